"""Theorem-reproduction scenarios: every module of this folder defines cells and registers its scenarios
(:func:`scenarios.harness.registry.register_scenario`); :func:`scenarios.harness.registry.discover` imports
them all.  Instances come from :mod:`scenarios.instances`."""
