"""Moodle's import formats, pure (no Django): what the university's Moodle reads back."""
