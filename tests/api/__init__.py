"""Tests of wwiseflowd; helpers are imported by their full path (``tests.<dir>.<module>``)."""
