"""The handler code archive a deploy uploads: ``stack/handlers`` (plus a lab's handler files), zipped.

Every function's ``Code`` is ``s3://ArtifactBucket/HandlersKey`` (one archive, modules at its root).
The archive is byte-for-byte reproducible (fixed timestamps, sorted entries) and its key carries its
content hash, so CloudFormation updates the functions exactly when the code changed.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

HANDLERS = Path(__file__).with_name("handlers")
_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Archive:
    body: bytes
    modules: tuple[str, ...]
    sha256: str

    @property
    def key(self) -> str:
        return f"handlers-{self.sha256[:16]}.zip"


def sources(overlays: Iterable[Path] = ()) -> dict[str, Path]:
    """Module file name -> the file that provides it (a lab's folder replaces the reference module)."""
    files = {p.name: p for p in sorted(HANDLERS.glob("*.py"))}
    for folder in overlays:
        files |= {p.name: p for p in sorted(Path(folder).glob("*.py"))}
    return files


def build(overlays: Iterable[Path] = ()) -> Archive:
    buffer = io.BytesIO()
    files = sources(overlays)
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=_EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name].read_bytes())
    body = buffer.getvalue()
    return Archive(body, tuple(sorted(files)), hashlib.sha256(body).hexdigest())


def ensure_bucket(s3: Any, bucket: str, region: str, tags: Mapping[str, str], create: bool) -> bool:
    """Make sure ``bucket`` exists; create it (tagged) when allowed. True when this call created it."""
    try:
        s3.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    if not create:
        raise RuntimeError(f"artifact bucket {bucket} does not exist")
    args: dict[str, Any] = {"Bucket": bucket}
    if region != "us-east-1":
        args["CreateBucketConfiguration"] = {"LocationConstraint": region}
    s3.create_bucket(**args)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True, "RestrictPublicBuckets": True})
    if tags:
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]})
    return True


def upload(s3: Any, bucket: str, archive: Archive) -> str:
    """Put the archive at its content-addressed key (once); returns the key."""
    s3.put_object(Bucket=bucket, Key=archive.key, Body=archive.body, ContentType="application/zip")
    return archive.key


def empty_and_delete(s3: Any, bucket: str) -> None:
    """Remove every object (and version) of ``bucket``, then the bucket (teardown of what we created)."""
    paginator = s3.get_paginator("list_object_versions")
    for page in paginator.paginate(Bucket=bucket):
        objects = [{"Key": o["Key"], "VersionId": o["VersionId"]} for o in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]]
        if objects:
            s3.delete_objects(Bucket=bucket, Delete={"Objects": objects})
    s3.delete_bucket(Bucket=bucket)
