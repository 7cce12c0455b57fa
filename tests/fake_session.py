"""The fake session 7 of the grader's and the instructor tooling's self-tests: its checks and words.

Never a real session: it reaches a run through :class:`checks.sessions.FixedSessions` (in-process
grading, ``tests/checks``) or ``-p tests.instructor.fake_session_plugin`` (grading children). It imports
neither ``stack`` nor moto, so a child that loads it starts in a fraction of a second.
"""

from __future__ import annotations

from checks.check import Evidence, Result, Words, check
from checks.context import CheckContext

NUMBER = 7


@check("S7.iam.scoped-resources", exercise="iam", points=3)
def scoped_resources(ctx: CheckContext) -> Result:
    """Partial credit: one part per statement whose Resource is not a wildcard."""
    statements = ctx.data("iam/policy.json")["Statement"]
    wild = [s for s in statements if s.get("Resource") == "*"]
    evidence = [Evidence.json(f"statement {s.get('Sid', '?')}", s) for s in wild]
    message = f"iam/policy.json: {len(wild)} statement(s) allow Resource \"*\"" if wild else ""
    return Result.parts(len(statements) - len(wild), len(statements), message, evidence)


@check("S7.iam.version", exercise="iam", points=2)
def version(ctx: CheckContext) -> Result:
    if ctx.data("iam/policy.json").get("Version") == "2012-10-17":
        return Result.ok()
    return Result.fail("iam/policy.json: Version is not 2012-10-17")


@check("S7.kms.encrypted", exercise="kms", points=4, visibility="after_due_date")
def encrypted(ctx: CheckContext) -> Result:
    if ctx.data("kms/queue.yaml").get("encrypted") is True:
        return Result.ok()
    return Result.fail("kms/queue.yaml: the queue is not encrypted", [Evidence.text("setting", "encrypted: false")])


WORDS = {
    "S7.iam.scoped-resources": Words("Policy names its resources", "Which ARNs does the function touch?",
                                     "https://docs.aws.amazon.com/IAM/latest/UserGuide/best-practices.html"),
    "S7.iam.version": Words("Policy has the current language version", "Which Version string do AWS examples use?"),
    "S7.kms.encrypted": Words("Queue is encrypted", "What does SSE-KMS need on the queue?"),
}
