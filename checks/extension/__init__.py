"""The extension lab: dynamic pricing (E1), internationalisation (E2) and advanced security (E3).

E1 and E2 run the learner's handler modules directly, the way the Lambda runtime imports them (no
offline account: the code makes no AWS call), against a seeded surge and fixed cases; E3 asks the
policy engine about concrete requests. Words live in ``catalogue.toml``.
"""

from checks.extension import i18n, pricing, security

CHECKS = [*pricing.CHECKS, *i18n.CHECKS, *security.CHECKS]
