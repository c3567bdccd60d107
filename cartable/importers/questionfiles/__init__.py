"""Question files: Moodle XML and GIFT read into the question bank a course backup gives.

Pure Python like every importer: a file in, ``QuestionFileResult`` (a ``QuestionBank`` and its
report) out. Start with ``registry.load``.
"""
