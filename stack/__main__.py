"""``python -m stack``: deploy a lab folder's system with CloudFormation, or tear it down.

::

    python -m stack deploy LAB_DIR --dry-run [--output merged.yaml]    # merge + cfn-lint, no network
    python -m stack deploy LAB_DIR --endpoint moto-server [--keep-running]
    python -m stack deploy LAB_DIR --endpoint http://localhost:4566    # LocalStack / a moto server
    python -m stack deploy LAB_DIR --real-aws [--yes] [--region R]     # your credentials; see README
    python -m stack teardown (--endpoint URL | --real-aws) [--delete-bucket] [--yes]

There is no default target: without ``--endpoint`` or ``--real-aws`` nothing is sent anywhere, and
an AWS URL given to ``--endpoint`` is refused (``stack/endpoints.py``). Real AWS goes through the guard
of ``stack/realaws.py`` (account, allow-list, plan and cost, confirmation).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from stack import cloudformation as cf
from stack import endpoints, labfolder, package, realaws

STACK_NAME = "tour-ticketing"
DEFAULT_BUCKET = "tour-ticketing-artifacts"
PROJECT_TAGS = {"project": "world-tour-ticketing-labs", "managed-by": "python -m stack"}


class CommandError(RuntimeError):
    """A refusal or failure the command reports in one line (exit status 2)."""


def _pairs(values: Sequence[str], what: str) -> dict[str, str]:
    out = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key:
            raise CommandError(f"{what} {value!r}: expected KEY=VALUE")
        out[key] = rest
    return out


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m stack", description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    def target_options(q: argparse.ArgumentParser) -> None:
        q.add_argument("--endpoint", help="'moto-server' (started and stopped by this command) or the URL of a moto server / LocalStack")
        q.add_argument("--real-aws", action="store_true", help="REAL AWS with the credentials of your shell (asks for confirmation)")
        q.add_argument("--region", default=None, help="region (real AWS: your configured one; otherwise us-east-1)")
        q.add_argument("--stack-name", default=STACK_NAME)
        q.add_argument("--artifact-bucket", help=f"S3 bucket for handlers.zip (default {DEFAULT_BUCKET}, real AWS: {DEFAULT_BUCKET}-ACCOUNT-REGION)")
        q.add_argument("--yes", action="store_true", help="do not ask for confirmation (real AWS)")
        q.add_argument("--allow-list", type=Path, help=f"file of allowed account ids (also ${realaws.ALLOW_ENV})")

    d = sub.add_parser("deploy", help="merge LAB_DIR into the template and deploy it")
    d.add_argument("lab", type=Path, help="a lab folder (labs/sessionN, solutions/sessionN or a copy)")
    target_options(d)
    d.add_argument("--dry-run", action="store_true", help="write the merged template and lint it; contact nothing")
    d.add_argument("--output", type=Path, help="where --dry-run writes the merged YAML (default: stdout)")
    d.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE", help="a template parameter (repeatable)")
    d.add_argument("--tag", action="append", default=[], metavar="KEY=VALUE", help="an extra stack tag (repeatable)")
    d.add_argument("--keep-running", action="store_true", help="with --endpoint moto-server: keep the server up until Ctrl-C")

    t = sub.add_parser("teardown", help="delete the stack (and, with --delete-bucket, the artifact bucket)")
    target_options(t)
    t.add_argument("--delete-bucket", action="store_true", help="also empty and delete the artifact bucket")
    return p


# -- dry run -------------------------------------------------------------------------------------------
def lint(template_text: str) -> list[str]:
    """cfn-lint errors of a template text (warnings and informational matches are not errors)."""
    import cfnlint.api

    return [f"{m.rule.id} line {m.linenumber}: {m.message}" for m in cfnlint.api.lint(template_text, regions=["us-east-1"])
            if m.rule.id.startswith("E")]


def to_yaml(template: dict[str, Any]) -> str:
    from cfn_flip import dump_yaml

    return dump_yaml(template)


def merged(lab: Path) -> tuple[dict[str, Any], labfolder.Overrides]:
    if not (lab / labfolder.MANIFEST).is_file():
        raise CommandError(f"{lab}: not a lab folder (no {labfolder.MANIFEST})")
    template, found = labfolder.merged_template(lab)
    return cf.portable(template), found


def dry_run(args: argparse.Namespace, out: TextIO) -> int:
    template, _ = merged(args.lab)
    text = to_yaml(template)
    errors = lint(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
        print(f"merged template written to {args.output}", file=out)
    else:
        out.write(text)
    for error in errors:
        print(f"cfn-lint: {error}", file=sys.stderr)
    print(f"cfn-lint: {len(errors)} error(s)", file=sys.stderr)
    return 1 if errors else 0


# -- deploy --------------------------------------------------------------------------------------------
def _guard_real_aws(target: endpoints.Target, args: argparse.Namespace, template: dict[str, Any], bucket: str | None,
                    out: TextIO, ask: Callable[[str], str], action: str) -> realaws.Identity:
    who = realaws.identity(target.client("sts"))
    realaws.check_account(who.account, realaws.allowed_accounts(args.allow_list))
    print(f"REAL AWS: account {who.account} ({who.arn}), region {target.region}, stack {args.stack_name}", file=out)
    if action == "deploy":
        extra = {"AWS::S3::Bucket (artifacts, created if absent)": [bucket or ""]}
        for line in realaws.plan(template, extra).lines():
            print(line, file=out)
        print(f"every resource is tagged {PROJECT_TAGS} (stack tags propagate)", file=out)
    realaws.confirm(f"{action.capitalize()} stack {args.stack_name} in account {who.account} ({target.region})?", args.yes, ask)
    return who


def _bucket(args: argparse.Namespace, target: endpoints.Target, account: str | None) -> str:
    if args.artifact_bucket:
        return str(args.artifact_bucket)
    return f"{DEFAULT_BUCKET}-{account}-{target.region}" if target.real_aws else DEFAULT_BUCKET


def deploy(args: argparse.Namespace, target: endpoints.Target, out: TextIO, ask: Callable[[str], str] = input) -> cf.StackResult:
    """Package, upload and deploy ``args.lab`` to ``target``; repair moto's gaps on a moto server."""
    template, found = merged(args.lab)
    tags = PROJECT_TAGS | {"lab": args.lab.resolve().name} | _pairs(args.tag, "--tag")
    parameters = _pairs(args.parameter, "--parameter")
    account = None
    if target.real_aws:
        account = realaws.identity(target.client("sts")).account
    bucket = _bucket(args, target, account)
    if target.real_aws:
        _guard_real_aws(target, args, template, bucket, out, ask, "deploy")
    s3 = target.client("s3")
    created = package.ensure_bucket(s3, bucket, target.region, tags, create=True)
    archive = package.build(set(found.handlers.values()))
    key = package.upload(s3, bucket, archive)
    print(f"handlers: {len(archive.modules)} modules -> s3://{bucket}/{key}{' (bucket created)' if created else ''}", file=out)
    parameters = {"ArtifactBucket": bucket, "HandlersKey": key} | parameters
    started = time.perf_counter()
    result = cf.deploy(target.client("cloudformation"), args.stack_name, template, parameters, tags, s3, bucket)
    print(f"stack {result.name}: {result.status} ({len(result.resources)} resources, {time.perf_counter() - started:.1f} s)", file=out)
    if target.emulated and target.endpoint_url and endpoints.is_moto(target.endpoint_url):
        from stack import moto_gaps

        repairs = moto_gaps.repair(target, template, result, parameters)
        for logical_id, what in repairs.done.items():
            print(f"  moto fix-up {logical_id}: {what}", file=out)
        missing = moto_gaps.verify(target, template, result, parameters)
        if missing:
            raise CommandError("after the fix-ups, the moto server still lacks:\n  " + "\n  ".join(missing))
    for name, value in sorted(result.outputs.items()):
        print(f"  {name} = {value}", file=out)
    return result


def teardown(args: argparse.Namespace, target: endpoints.Target, out: TextIO, ask: Callable[[str], str] = input) -> str:
    account = None
    if target.real_aws:
        account = _guard_real_aws(target, args, {}, None, out, ask, "teardown").account
    status = cf.delete(target.client("cloudformation"), args.stack_name)
    print(f"stack {args.stack_name}: {status}", file=out)
    if args.delete_bucket:
        bucket = _bucket(args, target, account)
        package.empty_and_delete(target.client("s3"), bucket)
        print(f"artifact bucket {bucket} deleted", file=out)
    return status


def _region(args: argparse.Namespace) -> str:
    if args.region:
        return str(args.region)
    if args.real_aws:
        import boto3

        region = boto3.session.Session().region_name
        if not region:
            raise CommandError("--real-aws needs a region: --region or your AWS config")
        return str(region)
    return endpoints.REGION


def main(argv: Sequence[str] | None = None, out: TextIO | None = None, ask: Callable[[str], str] = input) -> int:
    args = parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    out = out if out is not None else sys.stdout
    try:
        if args.command == "deploy" and args.dry_run:
            if args.endpoint or args.real_aws:
                raise CommandError("--dry-run contacts nothing: drop --endpoint / --real-aws")
            return dry_run(args, out)
        if args.command == "teardown" and args.endpoint == endpoints.MOTO_SERVER:
            raise CommandError("teardown needs the URL of a running server (a fresh moto-server has no stack)")
        with endpoints.opened(args.endpoint, args.real_aws, _region(args)) as target:
            print(f"target: {target.describe()}", file=out)
            if args.command == "teardown":
                teardown(args, target, out, ask)
                return 0
            deploy(args, target, out, ask)
            if args.keep_running and args.endpoint == endpoints.MOTO_SERVER:
                print(f"moto server running at {target.endpoint_url}; Ctrl-C stops it", file=out)
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    pass
        return 0
    except (CommandError, endpoints.EndpointError, realaws.RefusedError, labfolder.LabFolderError, cf.StackError) as exc:
        print(f"python -m stack: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
