"""Session 2 checks: metrics of an on-sale, dashboards, alarms, diagnosis, traffic (``issues/7``).

All data come from the seeded on-sale model (:mod:`stack.simulate`); alarms are evaluated by
:mod:`stack.cloud.alarms`. Words live in ``catalogue.toml``.
"""

from checks.session2 import alarms, dashboard, diagnosis, traffic

CHECKS = [*dashboard.CHECKS, *alarms.CHECKS, *diagnosis.CHECKS, *traffic.CHECKS]
