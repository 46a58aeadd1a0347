-- What ormc inspect cannot map one to one: names that are keywords or not
-- identifiers, columns without a type, defaults it cannot write, foreign
-- keys to tables without a model or to other columns, several keys to one
-- table, a WITHOUT ROWID table, tables without an INTEGER PRIMARY KEY,
-- partial, expression and blob indexes, a view.  tests/exec/test_inspect.c
-- checks the output (edge.orm) and that it compiles.
CREATE TABLE blog_posts (
  id INTEGER PRIMARY KEY,
  "Title Text" TEXT,
  body CLOB NOT NULL DEFAULT 'it''s "new"',
  published BOOLEAN NOT NULL DEFAULT 0,
  rating DOUBLE DEFAULT 2.5,
  views BIGINT NOT NULL DEFAULT (-1),
  created TIMESTAMP DEFAULT CURRENT_TIMESTAMP,
  data BLOB,
  anything,
  "int" INTEGER,
  model TEXT,
  author_id INTEGER REFERENCES people(pid) ON DELETE SET NULL,
  editor INTEGER NOT NULL REFERENCES people ON DELETE CASCADE,
  code TEXT REFERENCES codes(code)
);
CREATE TABLE people (pid INTEGER PRIMARY KEY, name VARCHAR(30) UNIQUE, ID INTEGER);
CREATE TABLE codes (code TEXT PRIMARY KEY, label TEXT) WITHOUT ROWID;
CREATE TABLE pairs (a INTEGER, b INTEGER, FOREIGN KEY (a, b) REFERENCES pairs2(x, y));
CREATE TABLE "1st table" (x INTEGER);
CREATE TABLE categories (id INT PRIMARY KEY, parent INTEGER REFERENCES categories(id));
CREATE VIEW v AS SELECT 1;
CREATE INDEX bp_lower ON blog_posts (lower(model));
CREATE INDEX bp_part ON blog_posts (views) WHERE views > 0;
CREATE UNIQUE INDEX bp_two ON blog_posts (views, rating);
CREATE INDEX bp_blob ON blog_posts (data);
INSERT INTO people VALUES (1, 'Ann', 10);
INSERT INTO blog_posts (id, body, views, author_id, editor, data)
    VALUES (1, 'hello', 3, 1, 1, x'00ff');
