"""Alternate-correct answers score 100 %; single mistakes lose points in the check you would expect;
bad input costs only the checks that need it, with a message naming the file (and line)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from checks.context import CheckContext
from checks.extension.i18n import MESSAGES, _date_shapes, _message, _money_shapes, _texts
from checks.lab import read_manifest
from tests import policy_documents
from tests.extension.conftest import STARTER, grade, solution_json
from tests.policy_documents import doc
from tests.session1.conftest import failing

A = "111111111111"
PP_ROLE = f"arn:aws:iam::{A}:role/PaymentProcessorRole"
ROOT = f"arn:aws:iam::{A}:root"
CRYPTO = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]
ORDERS = f"arn:aws:dynamodb:us-east-1:{A}:table/Orders-*"
VENDOR_TAG = "${aws:PrincipalTag/payment-vendor}"
PRICING, MONEY, CONFIRMATION = "handlers/pricing.py", "handlers/money.py", "handlers/confirmation.py"
KEY, BOUNDARY, ABAC = "security/key-policy.json", "security/permissions-boundary.json", "security/vendor-abac.json"


def edited(relpath: str, change) -> dict[str, Any]:
    """The solution's JSON file at ``relpath`` after ``change(document)`` (which edits it in place)."""
    return policy_documents.edited(solution_json(relpath), change)


def key_admin() -> dict[str, Any]:
    return solution_json(KEY)["Statement"][0]


NEEDED_ACTIONS = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "dynamodb:GetItem", "dynamodb:BatchGetItem",
                  "dynamodb:UpdateItem", "sns:Publish", "ses:SendEmail", "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey",
                  "logs:CreateLogStream", "logs:PutLogEvents", "sts:AssumeRole"]

ALTERNATES = {
    "pricing: demand window written as an age test": {"edits": {PRICING: [
        ('recent = sum(1 for sold in sales if window_start < sold <= now)',
         'recent = len([sold for sold in sales if now - sold < timedelta(minutes=tiers["demand_window_minutes"]) and sold <= now])')]}},
    "pricing: totals compared with Decimal.compare": {"edits": {PRICING: [
        ("matches = Decimal(str(claimed)) == expected", "matches = not Decimal(str(claimed)).compare(expected)")]}},
    "money: babel module import and a power-of-ten exponent": {"edits": {MONEY: [
        ("from babel.numbers import get_currency_precision", "from babel import numbers"),
        ("return get_currency_precision(currency)", "return numbers.get_currency_precision(currency)"),
        ("return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)",
         "exponent = Decimal(10) ** -minor_units(currency)\n    return Decimal(amount).quantize(exponent, rounding=ROUND_HALF_UP)")]}},
    "money: conversion through the base in two named steps": {"edits": {MONEY: [
        ('    per_base = {rates["base"]: Decimal(1), **{code: Decimal(str(rate)) for code, rate in rates["rates"].items()}}\n'
         '    return round_money(Decimal(amount) / per_base[source] * per_base[target], target)',
         '    def rate(code: str) -> Decimal:\n        return Decimal(1) if code == rates["base"] else Decimal(str(rates["rates"][code]))\n'
         '    in_base = Decimal(amount) / rate(source)\n    return round_money(in_base * rate(target), target)')]}},
    "confirmation: other wording, date and time formatted separately, accounting pattern": {"edits": {CONFIRMATION: [
        ("from babel.dates import format_datetime, get_timezone", "from babel.dates import format_date, format_time, get_timezone"),
        ('    total = format_currency(Decimal(str(message["totalAmount"])), message["currency"], locale=locale)',
         '    total = format_currency(Decimal(str(message["totalAmount"])), message["currency"], locale=locale, format_type="accounting")'),
        ('    when = format_datetime(starts, "long", tzinfo=get_timezone(message["venueTimeZone"]), locale=locale)',
         '    local = starts.astimezone(get_timezone(message["venueTimeZone"]))\n'
         '    when = f"{format_date(local, \'full\', locale=locale)} {format_time(local, \'short\', locale=locale)}"'),
        ('return f"{message[\'orderId\']}: {message[\'concertName\']}, {when}. {seats}. {total}"',
         'return "\\n".join([f"Thank you! Order {message[\'orderId\']}", when, seats, f"= {total}"])')]}},
    "key policy: Deny without the purpose plus a presence test through EncryptionContextKeys": {"files": {KEY: doc(
        key_admin(),
        {"Sid": "Use", "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": CRYPTO, "Resource": "*",
         "Condition": {"ForAnyValue:StringEquals": {"kms:EncryptionContextKeys": "orderId"}}},
        {"Sid": "OnlyPaymentTokens", "Effect": "Deny", "Principal": "*", "Action": CRYPTO, "Resource": "*",
         "Condition": {"StringNotEquals": {"kms:EncryptionContext:purpose": "payment-token"}}})}},
    "key policy: one statement per action, orderId matched with StringLike": {"files": {KEY: doc(
        key_admin(), *({"Effect": "Allow", "Principal": {"AWS": [PP_ROLE]}, "Action": action, "Resource": "*",
                        "Condition": {"StringEquals": {"kms:EncryptionContext:purpose": ["payment-token"]},
                                      "StringLike": {"kms:EncryptionContext:orderId": "*"}}} for action in CRYPTO))}},
    "boundary: deny-list style (allow all, deny everything else)": {"files": {BOUNDARY: doc(
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {"Sid": "OnlyTheFunctionsActions", "Effect": "Deny", "NotAction": NEEDED_ACTIONS, "Resource": "*"},
        {"Sid": "OnlyTheVendorRole", "Effect": "Deny", "Action": "sts:AssumeRole", "NotResource": "arn:aws:iam::222222222222:role/PaymentGatewayInvokeRole"})}},
    "pricing: total type tested with numbers.Number, compared without Decimal(str())": {"edits": {PRICING: [
        ("    if isinstance(claimed, bool) or not isinstance(claimed, int | Decimal | float):",
         "    import numbers\n    if isinstance(claimed, bool) or not isinstance(claimed, numbers.Number):"),
        ("matches = Decimal(str(claimed)) == expected", "matches = claimed == expected")]}},
    "confirmation: RFC 4647 lookup by slicing, separator given to Locale.parse": {"edits": {CONFIRMATION: [(
        '    subtags = tag.strip().replace("-", "_").split("_")\n    while subtags:\n        try:\n'
        '            return Locale.parse("_".join(subtags))\n        except (ValueError, TypeError, UnknownLocaleError):\n            subtags.pop()\n',
        '    parts = tag.strip().replace("_", "-").split("-")\n    for n in range(len(parts), 0, -1):\n        try:\n'
        '            return Locale.parse("-".join(parts[:n]), sep="-")\n        except (ValueError, TypeError, UnknownLocaleError):\n            continue\n')]}},
    "key policy: grants delegated only for AWS services (kms:GrantIsForAWSResource)": {"files": {KEY: edited(KEY, lambda d: d["Statement"].append(
        {"Sid": "GrantsForAwsServicesOnly", "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"],
         "Resource": "*", "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}))}},
    "key policy: administration as the AWS console's key-administrator list, grants denied unless for a service": {"files": {KEY: edited(
        KEY, lambda d: (d["Statement"][0].__setitem__("Action", ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                                                                 "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                                                                 "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"]),
                        d["Statement"].append({"Sid": "NoSelfGrants", "Effect": "Deny", "Principal": "*", "Action": "kms:CreateGrant", "Resource": "*",
                                               "Condition": {"Bool": {"kms:GrantIsForAWSResource": "false"}}})))}},
    "key policy: PaymentProcessorRole may create grants only for AWS services": {"files": {KEY: edited(KEY, lambda d: d["Statement"].append(
        {"Sid": "ServiceGrants", "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": "kms:CreateGrant", "Resource": "*",
         "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}}))}},
    "key policy: PaymentProcessorRole may create grants only for itself (kms:GranteePrincipal)": {"files": {KEY: edited(KEY, lambda d: d["Statement"].append(
        {"Sid": "OwnGrants", "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": "kms:CreateGrant", "Resource": "*",
         "Condition": {"StringEquals": {"kms:GranteePrincipal": PP_ROLE}}}))}},
    "pricing: the seats rule as a fraction (remaining / capacity <= pct / 100)": {"edits": {PRICING: [(
        'if "remaining_percent_at_most" in tier and remaining * 100 > tier["remaining_percent_at_most"] * capacity:',
        'if "remaining_percent_at_most" in tier and not Decimal(remaining) / Decimal(capacity) <= Decimal(tier["remaining_percent_at_most"]) / 100:')]}},
    "pricing: the total compared after a Decimal.normalize (same value, more digits allowed)": {"edits": {PRICING: [(
        "matches = Decimal(str(claimed)) == expected", "matches = Decimal(str(claimed)).normalize() == expected.normalize()")]}},
    "confirmation: the separator detected, then split on it": {"edits": {CONFIRMATION: [(
        '    subtags = tag.strip().replace("-", "_").split("_")\n',
        '    sep = "-" if "-" in tag else "_"\n    subtags = tag.strip().split(sep)\n')]}},
    "abac: statements split per action, Resource *, explicit deny on untagging": {"files": {ABAC: doc(
        *({"Effect": "Allow", "Action": action, "Resource": "*",
           "Condition": {"StringEquals": {"aws:ResourceTag/payment-vendor": VENDOR_TAG}}} for action in ("dynamodb:GetItem", "dynamodb:UpdateItem")),
        {"Effect": "Allow", "Action": ["dynamodb:TagResource"], "Resource": "*",
         "Condition": {"StringEquals": {"aws:ResourceTag/payment-vendor": VENDOR_TAG},
                       "ForAllValues:StringEquals": {"aws:TagKeys": "settlement-status"},
                       "StringEqualsIfExists": {"aws:RequestTag/settlement-status": ["pending", "settled"]},
                       "Null": {"aws:RequestTag/settlement-status": "false"}}},
        {"Effect": "Deny", "Action": "dynamodb:UntagResource", "Resource": "*"})}},
}


@pytest.mark.parametrize("change", ALTERNATES.values(), ids=ALTERNATES.keys())
def test_alternate_correct_answers_score_full_marks(variant, change):
    assert failing(grade(variant(**change))) == []


def _without_condition(statement_index: int):
    return lambda d: d["Statement"][statement_index].pop("Condition")


MISTAKES = [
    ("pricing: every sale counts as demand", {"edits": {PRICING: [(
        "recent = sum(1 for sold in sales if window_start < sold <= now)", "recent = len(sales)")]}}, "EXT.pricing.surge-offers"),
    ("pricing: the last matching tier wins", {"edits": {PRICING: [('for tier in tiers["tiers"]:', 'for tier in reversed(tiers["tiers"]):')]}},
     "EXT.pricing.surge-offers"),
    ("pricing: the fan club discount on every ticket", {"edits": {PRICING: [(
        'for t in tickets if t.get("isFanClubMember") is True)', "for t in tickets)")]}}, "EXT.pricing.surge-offers"),
    ("pricing: PaymentProcessor re-prices at payment time", {"edits": {PRICING: [(
        '    expected = expected_total(message["tickets"], discount_percent, message["currency"])\n',
        '    expected = expected_total([{**t, "price": current_price(message["concertId"], t["section"])} for t in message["tickets"]],\n'
        '                              discount_percent, message["currency"])\n    return expected\n')]}}, "EXT.pricing.locked-at-purchase"),
    ("pricing: the claimed total is charged unchecked", {"edits": {PRICING: [(
        "    if not matches:\n        raise TamperedTotal", "    if not matches and False:\n        raise TamperedTotal")]}},
     "EXT.pricing.refuses-tampered"),
    ("pricing: a ValueError instead of TamperedTotal", {"edits": {PRICING: [(
        'raise TamperedTotal(f"totalAmount {claimed} does not match', 'raise ValueError(f"totalAmount {claimed} does not match')]}},
     "EXT.pricing.refuses-tampered"),
    ("pricing: totals compared as text", {"edits": {PRICING: [(
        "matches = Decimal(str(claimed)) == expected", "matches = str(claimed) == str(expected)")]}}, "EXT.pricing.accepts-honest"),
    ("pricing: the total as a float", {"edits": {PRICING: [(
        '"totalAmount": expected_total(tickets, discount_percent, currency),', '"totalAmount": float(expected_total(tickets, discount_percent, currency)),')]}},
     "EXT.pricing.decimal-money"),
    ("money: every currency has cents", {"edits": {MONEY: [("return get_currency_precision(currency)", "return 2")]}}, "EXT.i18n.minor-units"),
    ("money: banker's rounding", {"edits": {MONEY: [("rounding=ROUND_HALF_UP)", "rounding=ROUND_HALF_EVEN)"),
                                                    ("from decimal import ROUND_HALF_UP, Decimal", "from decimal import ROUND_HALF_EVEN, Decimal")]}},
     "EXT.i18n.rounding"),
    ("money: rounded in the base currency first", {"edits": {MONEY: [(
        "return round_money(Decimal(amount) / per_base[source] * per_base[target], target)",
        'return round_money(round_money(Decimal(amount) / per_base[source], rates["base"]) * per_base[target], target)')]}},
     "EXT.i18n.exchange"),
    ("confirmation: the total formatted by hand", {"edits": {CONFIRMATION: [(
        'total = format_currency(Decimal(str(message["totalAmount"])), message["currency"], locale=locale)',
        'total = f"{Decimal(str(message[\'totalAmount\'])):,.2f} {message[\'currency\']}"')]}}, "EXT.i18n.money-format"),
    ("confirmation: the date in UTC", {"edits": {CONFIRMATION: [(
        'tzinfo=get_timezone(message["venueTimeZone"])', 'tzinfo=get_timezone("UTC")')]}}, "EXT.i18n.concert-date"),
    ("confirmation: BCP 47 tags not understood", {"edits": {CONFIRMATION: [(
        'subtags = tag.strip().replace("-", "_").split("_")', 'subtags = tag.strip().split("_")')]}}, "EXT.i18n.locale-fallback"),
    ("key policy: ForAllValues on the context keys only", {"files": {KEY: doc(key_admin(), {
        "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": CRYPTO, "Resource": "*",
        "Condition": {"ForAllValues:StringEquals": {"kms:EncryptionContextKeys": ["orderId", "purpose"]}}})}}, "EXT.kms.context-required"),
    ("key policy: the default kms:* to the account root", {"files": {KEY: edited(KEY, lambda d: d["Statement"][0].__setitem__("Action", "kms:*"))}},
     "EXT.kms.only-payment-processor"),
    ("key policy: no administration statement", {"files": {KEY: edited(KEY, lambda d: d["Statement"].pop(0))}}, "EXT.kms.key-stays-manageable"),
    ("key policy: no condition on the use", {"files": {KEY: edited(KEY, _without_condition(1))}}, "EXT.kms.context-required"),
    ("boundary: sqs:* on every queue", {"files": {BOUNDARY: edited(BOUNDARY, lambda d: d["Statement"][0].__setitem__("Action", "sqs:*"))}},
     "EXT.boundary.caps-escalation"),
    ("boundary: sts:AssumeRole on any role", {"files": {BOUNDARY: edited(BOUNDARY, lambda d: d["Statement"][6].__setitem__("Resource", "*"))}},
     "EXT.boundary.caps-escalation"),
    ("boundary: the logs forgotten", {"files": {BOUNDARY: edited(BOUNDARY, lambda d: d["Statement"].pop(5))}}, "EXT.boundary.keeps-needed"),
    ("abac: no tag condition on the tables", {"files": {ABAC: edited(ABAC, _without_condition(0))}}, "EXT.abac.own-tables"),
    ("abac: ForAnyValue lets payment-vendor ride along", {"files": {ABAC: edited(ABAC, lambda d: d["Statement"][1]["Condition"].__setitem__(
        "ForAnyValue:StringEquals", d["Statement"][1]["Condition"].pop("ForAllValues:StringEquals")))}}, "EXT.abac.tag-control"),
    ("abac: tagging without the resource tag test (claims untagged tables)", {"files": {ABAC: edited(
        ABAC, lambda d: d["Statement"][1]["Condition"]["StringEquals"].pop("aws:ResourceTag/payment-vendor"))}}, "EXT.abac.tag-control"),
    ("abac: acme written into the policy", {"files": {ABAC: edited(ABAC, lambda d: [
        s["Condition"]["StringEquals"].__setitem__("aws:ResourceTag/payment-vendor", "acme") for s in d["Statement"]])}}, "EXT.abac.second-vendor"),
]


@pytest.mark.parametrize(("change", "expected"), [(c, e) for _, c, e in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_single_mistake_fails_the_expected_check(variant, change, expected):
    results = grade(variant(**change))
    assert expected in failing(results), failing(results)
    assert results[expected].message, "a failing check must say what it saw"


#: Wrong answers a blind learner trial found accepted, each now caught by a targeted probe: the variant
#: fails exactly that check, and the message names what the probe saw (``said``).
PROBED = [
    ("pricing: a sale exactly one window old still counts", {"edits": {PRICING: [(
        "recent = sum(1 for sold in sales if window_start < sold <= now)", "recent = sum(1 for sold in sales if window_start <= sold <= now)")]}},
     "EXT.pricing.surge-offers", "purchase at 14:30:00: 120 of 150 seats left; the section's sales since 14:24:00: 14:25:00, "),
    ("pricing: the age rounded to whole minutes (a sale 4 min 59 s old drops out)", {"edits": {PRICING: [(
        "recent = sum(1 for sold in sales if window_start < sold <= now)",
        'recent = sum(1 for sold in sales if sold <= now and round((now - sold) / timedelta(minutes=1)) < tiers["demand_window_minutes"])')]}},
     "EXT.pricing.surge-offers", "the section's sales since 14:24:00: 14:25:01, "),
    ("pricing: a numeric JSON string accepted as the total", {"edits": {PRICING: [(
        "not isinstance(claimed, int | Decimal | float):", "not isinstance(claimed, int | Decimal | float | str):")]}},
     "EXT.pricing.refuses-tampered", "as a JSON string"),
    ("pricing: no type test, the total parsed from its text", {"edits": {PRICING: [(
        "    if isinstance(claimed, bool) or not isinstance(claimed, int | Decimal | float):\n",
        "    if claimed is None:\n")]}}, "EXT.pricing.refuses-tampered", "as a JSON string"),
    ("money: quantize with the context's default rounding (half even)", {"edits": {MONEY: [(
        "return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)), rounding=ROUND_HALF_UP)",
        "return Decimal(amount).quantize(Decimal(1).scaleb(-minor_units(currency)))")]}}, "EXT.i18n.rounding", "0.125"),
    ("confirmation: a partly known tag falls back to en-US instead of its language", {"edits": {CONFIRMATION: [(
        "            subtags.pop()\n", "            break\n")]}}, "EXT.i18n.locale-fallback", "de-XX"),
    # Finding: "the full tag, then the language alone, then en-US" is not RFC 4647 Lookup (zh-Hant-XX is zh-Hant).
    ("confirmation: the full tag, then the language alone (zh-Hant-XX read as zh)", {"edits": {CONFIRMATION: [(
        "            subtags.pop()\n", "            subtags = subtags[:1] if len(subtags) > 1 else []\n")]}},
     "EXT.i18n.locale-fallback", "'zh-Hant-XX'"),
    ("confirmation: only BCP 47 hyphens understood (a POSIX de_AT falls back)", {"edits": {CONFIRMATION: [
        ('subtags = tag.strip().replace("-", "_").split("_")', 'subtags = tag.strip().split("-")'),
        ('return Locale.parse("_".join(subtags))', 'return Locale.parse("-".join(subtags), sep="-")')]}}, "EXT.i18n.locale-fallback", "'de_AT'"),
    # Finding: "at most 10 %" made exclusive still scored full marks: 15 of 150 seats left is last-seats.
    ("pricing: the seats rule made exclusive (remaining*100 >= pct*capacity skips the tier)", {"edits": {PRICING: [(
        'remaining * 100 > tier["remaining_percent_at_most"] * capacity', 'remaining * 100 >= tier["remaining_percent_at_most"] * capacity')]}},
     "EXT.pricing.surge-offers", "15 of 150 seats left"),
    ("pricing: the seats rule one seat too generous (16 of 150 is not at most 10 %)", {"edits": {PRICING: [(
        'remaining * 100 > tier["remaining_percent_at_most"] * capacity', '(remaining - 1) * 100 > tier["remaining_percent_at_most"] * capacity')]}},
     "EXT.pricing.surge-offers", "16 of 150 seats left"),
    # Finding: round_money(totalAmount) == expected accepted 246.404 for a locked 246.40.
    ("pricing: the claimed total rounded before the comparison", {"edits": {PRICING: [(
        "matches = Decimal(str(claimed)) == expected", 'matches = round_money(Decimal(str(claimed)), message["currency"]) == expected')]}},
     "EXT.pricing.refuses-tampered", "four tenths of a cent more"),
    ("key policy: kms:Create* (with kms:CreateGrant) delegated to the account", {"files": {KEY: edited(
        KEY, lambda d: d["Statement"][0]["Action"].__setitem__(0, "kms:Create*"))}}, "EXT.kms.only-payment-processor", "kms:CreateGrant"),
    ("key policy: kms:CreateGrant delegated to the account without a condition", {"files": {KEY: edited(
        KEY, lambda d: d["Statement"][0]["Action"].append("kms:CreateGrant"))}}, "EXT.kms.only-payment-processor", "kms:CreateGrant"),
    ("key policy: the account gets everything but Encrypt, Decrypt, GenerateDataKey and CreateGrant (ReEncrypt* slips through)", {"files": {KEY: edited(
        KEY, lambda d: d["Statement"].__setitem__(0, {"Sid": "AllButCrypto", "Effect": "Allow", "Principal": {"AWS": ROOT},
                                                      "NotAction": [*CRYPTO, "kms:CreateGrant"], "Resource": "*"}))}},
     "EXT.kms.only-payment-processor", "kms:ReEncryptFrom"),
    # Finding: PaymentProcessorRole with an unconditional kms:CreateGrant could give FanNotifierRole Decrypt through a grant.
    ("key policy: PaymentProcessorRole may create any grant", {"files": {KEY: edited(KEY, lambda d: d["Statement"].append(
        {"Sid": "PaymentProcessorGrants", "Effect": "Allow", "Principal": {"AWS": PP_ROLE}, "Action": "kms:CreateGrant", "Resource": "*"}))}},
     "EXT.kms.only-payment-processor", "kms:CreateGrant giving FanNotifierRole Decrypt, called directly"),
    ("key policy: kms:CreateGrant in PaymentProcessorRole's statement (its context condition does not stop a grant to another role)", {"files": {
        KEY: edited(KEY, lambda d: d["Statement"][1]["Action"].append("kms:CreateGrant"))}},
     "EXT.kms.only-payment-processor", "giving FanNotifierRole Decrypt constrained to the payment-token context"),
    ("boundary: the vendor's role name in any account", {"files": {BOUNDARY: edited(
        BOUNDARY, lambda d: d["Statement"][6].__setitem__("Resource", "arn:aws:iam::*:role/PaymentGatewayInvokeRole"))}},
     "EXT.boundary.caps-escalation", "333333333333:role/PaymentGatewayInvokeRole: allowed by statement 'CallThePaymentVendor'"),
]


@pytest.mark.parametrize(("change", "expected", "said"), [(c, e, s) for _, c, e, s in PROBED], ids=[m[0] for m in PROBED])
def test_probed_mistake_fails_exactly_its_check(variant, change, expected, said):
    results = grade(variant(**change))
    assert failing(results) == [expected]
    assert said in results[expected].message + "".join(e.content for e in results[expected].evidence), results[expected].message


# -- bad input --------------------------------------------------------------------------------------
E3 = {"EXT.kms.context-required", "EXT.kms.only-payment-processor", "EXT.kms.key-stays-manageable", "EXT.boundary.caps-escalation",
      "EXT.boundary.keeps-needed", "EXT.abac.own-tables", "EXT.abac.tag-control", "EXT.abac.second-vendor"}


def test_syntax_error_in_pricing_names_file_and_line_and_spares_the_rest(variant):
    results = grade(variant(edits={PRICING: [("class TamperedTotal(Exception):", "class TamperedTotal(Exception)")]}))
    assert "EXT.pricing.surge-offers" in failing(results)
    assert "handlers/pricing.py" in results["EXT.pricing.surge-offers"].message
    assert "line" in results["EXT.pricing.surge-offers"].message or "pricing.py:" in results["EXT.pricing.surge-offers"].message
    assert not E3 & set(failing(results))
    assert results["EXT.i18n.minor-units"].complete and results["EXT.i18n.money-format"].complete


def test_module_that_raises_at_import_is_reported(variant):
    results = grade(variant(edits={MONEY: [("def minor_units(", "raise RuntimeError('boom')\n\n\ndef minor_units(")]}))
    assert "money.py" in results["EXT.i18n.minor-units"].message and "boom" in results["EXT.i18n.minor-units"].message
    assert not E3 & set(failing(results))
    assert results["EXT.i18n.money-format"].complete


def test_handler_that_hangs_is_cut_quickly(variant):
    lab = variant(edits={PRICING: [("    concert = concerts[request[\"concertId\"]]\n", "    while True:\n        pass\n")]})
    started = time.monotonic()
    results = grade(lab)
    assert time.monotonic() - started < 15
    assert "did not return" in results["EXT.pricing.surge-offers"].message
    assert not E3 & set(failing(results))


def test_function_that_raises_names_the_learners_line(variant):
    results = grade(variant(edits={CONFIRMATION: [("    seats = ", "    seats = message['noSuchField'] + ")]}))
    message = results["EXT.i18n.money-format"].message
    assert "handlers/confirmation.py:" in message and "KeyError" in message


def test_broken_json_costs_only_the_checks_of_that_file(variant):
    results = grade(variant(files={KEY: '{"Version": "2012-10-17",\n  "Statement": [\n}'}))
    kms = {"EXT.kms.context-required", "EXT.kms.only-payment-processor", "EXT.kms.key-stays-manageable"}
    assert set(failing(results)) == kms
    assert all("security/key-policy.json:3" in results[c].message for c in kms)


def test_policy_of_the_wrong_shape_is_a_clear_failure(variant):
    results = grade(variant(files={ABAC: "[1, 2]"}))
    assert set(failing(results)) == {"EXT.abac.own-tables", "EXT.abac.tag-control", "EXT.abac.second-vendor"}
    assert "security/vendor-abac.json" in results["EXT.abac.own-tables"].message


def test_missing_handler_file_is_named(variant, tmp_path):
    lab = variant()
    (lab / CONFIRMATION).unlink()
    results = grade(lab)
    assert "confirmation" in results["EXT.i18n.concert-date"].message
    assert not {c for c in failing(results) if not c.startswith("EXT.i18n.")}


def test_concert_date_failure_shows_what_the_code_wrote_not_the_expected_text(variant):
    """The message names the locale, the time zone and the styles asked, quotes the learner's text and says
    what it shows instead (here: the UTC time), never the strings Babel would write."""
    lab = variant(edits={CONFIRMATION: [('tzinfo=get_timezone(message["venueTimeZone"])', 'tzinfo=get_timezone("UTC")')]})
    result = grade(lab)["EXT.i18n.concert-date"]
    shown = result.message + "".join(e.content for e in result.evidence)
    assert "in UTC, not in the venue's time zone" in shown and "venueTimeZone America/New_York" in shown
    ctx = CheckContext(lab, read_manifest(lab))
    for tag, locale, concert, currency, total in MESSAGES:
        dates, times = _date_shapes(_message(ctx, tag, concert, currency, total), locale)
        text = _texts(ctx)[(tag, concert, currency, total)][0]
        leaked = [s for s in dates | times if s not in text and (s in shown or s.encode("unicode_escape").decode("ascii") in shown)]
        assert not leaked, leaked


def test_money_format_failure_says_what_the_text_shows_not_the_expected_total():
    """The starter writes every total the en_US way with a dollar sign: the message says so, and never
    quotes how the fan's locale would write the total."""
    result = grade(STARTER)["EXT.i18n.money-format"]
    shown = result.message + "".join(str(e.content) for e in result.evidence)
    assert "the number has en_US separators" in shown and "it carries the USD sign" in shown
    texts = _texts(CheckContext(STARTER, read_manifest(STARTER)))
    for tag, locale, concert, currency, total in MESSAGES:
        text = texts[(tag, concert, currency, total)][0] or ""
        leaked = [s for s in _money_shapes(total, currency, locale) if s in shown and s not in text]
        assert not leaked, (tag, leaked)
