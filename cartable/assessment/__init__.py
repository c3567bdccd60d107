"""Quizzes, assignments and grades. ``scoring`` is pure: no Django, no database."""
