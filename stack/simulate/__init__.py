"""Session 2's on-sale at scale: a seeded model of the pipeline (``model``), its metric data
(``store``), incident scenarios with ground truth (``scenarios``) and the traffic command (``traffic``)."""
