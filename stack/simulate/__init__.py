"""Session 2's on-sale at scale: a seeded model of the pipeline (``model``), its metric data
(``store``), incident scenarios with ground truth (``scenarios``), a learner's mystery data: seed, boto3,
CSV (``mystery``) and the traffic command (``traffic``)."""
