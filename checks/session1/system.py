"""The ticketing system as session 1's checks see it: names, ARNs, and which lab file holds what.

The lab files name resources by fixed ARNs (the README lists them). The customer managed key gets a
fixed key id at deploy time (:data:`KEY_ID`, pinned by the template's ``Metadata: OfflineKeyId``) so a
learner's policy can name it, as it would name a real key's ARN from the console.
"""

from __future__ import annotations

ACCOUNT = "111111111111"
REGION = "us-east-1"
VENDOR_ACCOUNT = "222222222222"
FOREIGN_ACCOUNT = "999999999999"

KEY_ID = "7d3e1b2a-5c4f-4e6a-9b8d-2f1c0a9e8b7d"
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KEY_ID}"
KEY_ALIAS = "alias/tour-ticketing"
#: Every way a KmsMasterKeyId may name the customer managed key.
KEY_REFS = frozenset({KEY_ID, KEY_ARN, KEY_ALIAS, f"arn:aws:kms:{REGION}:{ACCOUNT}:{KEY_ALIAS}"})
MANAGED_ALIASES = ("alias/aws/sqs", "alias/aws/sns")

TOPIC = "TourTicketingTopic"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:{TOPIC}"
QUEUES = ("SeatInventoryQueue", "PaymentProcessingQueue", "NotificationQueue", "FanClubAwardsQueue")
TABLES = ("SeatInventory", "Orders", "FanClubMembers")
FUNCTIONS = ("TicketPurchaseHandler", "SeatInventoryUpdater", "PaymentProcessor", "FanNotifier", "FanClubAwardProcessor")
#: Which queue feeds which consumer.
CONSUMER = {
    "SeatInventoryQueue": "SeatInventoryUpdater",
    "PaymentProcessingQueue": "PaymentProcessor",
    "NotificationQueue": "FanNotifier",
    "FanClubAwardsQueue": "FanClubAwardProcessor",
}

VENDOR_ACCESS_ROLE = "PaymentVendorAccessRole"
VENDOR_ACCESS_ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/{VENDOR_ACCESS_ROLE}"
VENDOR_CALLBACK_ROLE_ARN = f"arn:aws:iam::{VENDOR_ACCOUNT}:role/PaymentVendorCallbackRole"
VENDOR_CALLBACK_EXTERNAL_ID = "payment-vendor-callback-7f3a9c"
GATEWAY_ROLE_ARN = f"arn:aws:iam::{VENDOR_ACCOUNT}:role/PaymentGatewayInvokeRole"


def queue_arn(name: str) -> str:
    return f"arn:aws:sqs:{REGION}:{ACCOUNT}:{name}"


def table_arn(name: str) -> str:
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


def role_arn(function: str) -> str:
    return f"arn:aws:iam::{ACCOUNT}:role/{function}Role"


def log_stream_arn(function: str) -> str:
    """A log stream of the function's log group (what logs:PutLogEvents acts on)."""
    return f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{function}:log-stream:2024/05/01/[$LATEST]0123456789abcdef"


# --- the lab's files ---------------------------------------------------------------------------------

IAM_FILES = {
    "TicketPurchaseHandler": "iam/ticket-purchase-handler.json",
    "SeatInventoryUpdater": "iam/seat-inventory-updater.json",
    "PaymentProcessor": "iam/payment-processor.json",
    "FanNotifier": "iam/fan-notifier.json",
    "FanClubAwardProcessor": "iam/fan-club-award-processor.json",
}
TOPIC_POLICY_FILE = "resource-policies/topic.json"
QUEUE_POLICY_FILES = {
    "SeatInventoryQueue": "resource-policies/seat-inventory-queue.json",
    "PaymentProcessingQueue": "resource-policies/payment-processing-queue.json",
    "NotificationQueue": "resource-policies/notification-queue.json",
    "FanClubAwardsQueue": "resource-policies/fan-club-awards-queue.json",
}
VENDOR_TRUST_FILE = "cross-account/vendor-access-trust.json"
VENDOR_PERMISSIONS_FILE = "cross-account/vendor-access-permissions.json"
GATEWAY_FILE = "cross-account/payment-processor-gateway.json"
KEY_POLICY_FILE = "encryption/key-policy.json"
ENCRYPTION_FILE = "encryption/settings.yaml"
ANSWERS_FILE = "answers.yaml"
