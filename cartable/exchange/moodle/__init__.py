"""What goes back to the university, pure (no Django): the formats its Moodle imports, and
learning records for its learning record store."""
