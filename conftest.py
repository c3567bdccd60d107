"""Test-session set-up that must happen before Django reads its settings."""

import os
import tempfile

# Every test run gets its own throwaway data folder: never the developer's real one.
os.environ["CARTABLE_HOME"] = tempfile.mkdtemp(prefix="cartable-test-")
