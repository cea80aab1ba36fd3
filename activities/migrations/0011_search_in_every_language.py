"""Full text in the activity's own language, and Chinese as character bigrams.

PostgreSQL only (SQLite searches by containment): the stored search vector is
built with the text search configuration of the activity's language where
PostgreSQL has one (English, French, Spanish, Russian, Arabic; ``simple``
otherwise), and every run of Han characters also adds its overlapping pairs of
characters, one token each (``simple``), which a query matches as a phrase
(activities/db.py builds the query the same way).
"""

from django.db import migrations

from activities.db import is_postgresql

FUNCTIONS = r"""
CREATE OR REPLACE FUNCTION wsis_search_config(language text) RETURNS regconfig AS $$
  SELECT (CASE language
    WHEN 'en' THEN 'english' WHEN 'fr' THEN 'french' WHEN 'es' THEN 'spanish'
    WHEN 'ru' THEN 'russian' WHEN 'ar' THEN 'arabic' ELSE 'simple' END)::regconfig
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION wsis_cjk_bigrams(body text) RETURNS text AS $$
DECLARE
  run text;
  result text := '';
BEGIN
  IF body IS NULL OR body !~ '[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]' THEN
    RETURN '';
  END IF;
  FOR run IN
    SELECT m[1] FROM regexp_matches(body, '([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)', 'g') AS m
  LOOP
    IF char_length(run) = 1 THEN
      result := result || ' ' || run;
    ELSE
      FOR i IN 1 .. char_length(run) - 1 LOOP
        result := result || ' ' || substr(run, i, 2);
      END LOOP;
    END IF;
  END LOOP;
  RETURN result;
END $$ LANGUAGE plpgsql IMMUTABLE;

CREATE OR REPLACE FUNCTION wsis_search_vector(
  title text, summary text, description text, language text
) RETURNS tsvector AS $$
  SELECT
    setweight(to_tsvector(wsis_search_config(language), coalesce(title, '')), 'A') ||
    setweight(to_tsvector('simple', wsis_cjk_bigrams(title)), 'A') ||
    setweight(to_tsvector(wsis_search_config(language), coalesce(summary, '')), 'B') ||
    setweight(to_tsvector('simple', wsis_cjk_bigrams(summary)), 'B') ||
    setweight(to_tsvector(wsis_search_config(language), coalesce(description, '')), 'C') ||
    setweight(to_tsvector('simple', wsis_cjk_bigrams(description)), 'C')
$$ LANGUAGE sql IMMUTABLE;

CREATE OR REPLACE FUNCTION wsis_activity_search_vector() RETURNS trigger AS $$
BEGIN
  NEW.search_vector := wsis_search_vector(NEW.title, NEW.summary, NEW.description, NEW.language);
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

ENGLISH_ONLY = """
CREATE OR REPLACE FUNCTION wsis_activity_search_vector() RETURNS trigger AS $$
BEGIN
  NEW.search_vector :=
    setweight(to_tsvector('english', coalesce(NEW.title, '')), 'A') ||
    setweight(to_tsvector('english', coalesce(NEW.summary, '')), 'B') ||
    setweight(to_tsvector('english', coalesce(NEW.description, '')), 'C');
  RETURN NEW;
END $$ LANGUAGE plpgsql;
"""

TRIGGER = (
    "DROP TRIGGER IF EXISTS activity_search_vector ON activities_activity; "
    "CREATE TRIGGER activity_search_vector BEFORE INSERT OR UPDATE OF title, summary, "
    "description{language} ON activities_activity FOR EACH ROW "
    "EXECUTE FUNCTION wsis_activity_search_vector();"
)


def install(apps, schema_editor):
    if not is_postgresql(schema_editor.connection):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FUNCTIONS)
        cursor.execute(TRIGGER.format(language=", language"))
        cursor.execute(
            "UPDATE activities_activity SET search_vector = "
            "wsis_search_vector(title, summary, description, language)"
        )


def uninstall(apps, schema_editor):
    if not is_postgresql(schema_editor.connection):
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(ENGLISH_ONLY)
        cursor.execute(TRIGGER.format(language=""))
        cursor.execute(
            "DROP FUNCTION IF EXISTS wsis_search_vector(text, text, text, text), "
            "wsis_cjk_bigrams(text), wsis_search_config(text);"
        )
        cursor.execute("UPDATE activities_activity SET title = title")


class Migration(migrations.Migration):
    dependencies = [("activities", "0010_activity_write_limits")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
