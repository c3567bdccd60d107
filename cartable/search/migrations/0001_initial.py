"""The search index: its table, and the full-text index each database builds on it.

SQLite: an FTS5 table with external content (the words are read from ``search_entry``, not
stored twice), kept in step by triggers, so that every way rows leave the table (reindexing,
a course deleted) leaves the index too. Ranked with bm25(), titles weighing more.
PostgreSQL: a generated tsvector column (config 'simple': the words are already normalised in
Python), titles weighted A and text D, with a GIN index; ranked with ts_rank().
"""

import django.db.models.deletion
from django.db import migrations, models


SQLITE = [
    """CREATE VIRTUAL TABLE search_entry_fts USING fts5(
        title_terms, body_terms, content='search_entry', content_rowid='id'
    )""",
    """CREATE TRIGGER search_entry_fts_insert AFTER INSERT ON search_entry BEGIN
        INSERT INTO search_entry_fts(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END""",
    """CREATE TRIGGER search_entry_fts_delete AFTER DELETE ON search_entry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
    END""",
    """CREATE TRIGGER search_entry_fts_update AFTER UPDATE ON search_entry BEGIN
        INSERT INTO search_entry_fts(search_entry_fts, rowid, title_terms, body_terms)
        VALUES ('delete', old.id, old.title_terms, old.body_terms);
        INSERT INTO search_entry_fts(rowid, title_terms, body_terms)
        VALUES (new.id, new.title_terms, new.body_terms);
    END""",
]
SQLITE_BACK = [
    "DROP TRIGGER IF EXISTS search_entry_fts_update",
    "DROP TRIGGER IF EXISTS search_entry_fts_delete",
    "DROP TRIGGER IF EXISTS search_entry_fts_insert",
    "DROP TABLE IF EXISTS search_entry_fts",
]
POSTGRESQL = [
    """ALTER TABLE search_entry ADD COLUMN vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple'::regconfig, title_terms), 'A')
        || setweight(to_tsvector('simple'::regconfig, body_terms), 'D')
    ) STORED""",
    "CREATE INDEX search_entry_vector ON search_entry USING gin (vector)",
]
POSTGRESQL_BACK = [
    "DROP INDEX IF EXISTS search_entry_vector",
    "ALTER TABLE search_entry DROP COLUMN IF EXISTS vector",
]


def _run(statements):
    def run(apps, schema_editor):
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('catalog', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='FileText',
            fields=[
                ('blob', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='catalog.blob')),
                ('text', models.TextField(blank=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'db_table': 'search_filetext',
            },
        ),
        migrations.CreateModel(
            name='Entry',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('kind', models.CharField(choices=[('course', 'Course'), ('section', 'Course section'), ('activity', 'Activity'), ('chapter', 'Book chapter'), ('glossary_entry', 'Glossary entry'), ('lesson_page', 'Lesson page'), ('discussion', 'Forum discussion'), ('file', 'File')], max_length=16)),
                ('anchor', models.CharField(blank=True, max_length=64)),
                ('title', models.CharField(max_length=255)),
                ('text', models.TextField(blank=True)),
                ('title_terms', models.TextField(blank=True)),
                ('body_terms', models.TextField(blank=True)),
                ('restricted', models.BooleanField(default=False)),
                ('activity', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.activity')),
                ('course', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.course')),
                ('section', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.section')),
            ],
            options={
                'db_table': 'search_entry',
            },
        ),
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRESQL}),
            _run({"sqlite": SQLITE_BACK, "postgresql": POSTGRESQL_BACK}),
        ),
    ]
