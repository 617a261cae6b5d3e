"""The instance library: plain functions returning models and graphs; they register nothing."""
