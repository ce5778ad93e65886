-- X's `lang` is not always a language (issue 18): `und`, `zxx` (no text), `art`, and the
-- `q..` codes for a tweet of only hashtags, mentions, emoji or links were stored as
-- languages, and X's old codes `in`, `iw` and `ji` as if ISO 639-1 had them. The X mapping
-- now stores no language for the first (enrichment detects one) and maps the second to
-- `id`, `he` and `yi`; this brings the rows stored before in line, without a reload.
UPDATE core__mentions SET language = NULL
WHERE source = 'x' AND language IN ('und', 'zxx', 'art', 'qam', 'qct', 'qht', 'qme', 'qst',
                                    'xx-lc');

UPDATE core__mentions
SET language = CASE language WHEN 'in' THEN 'id' WHEN 'iw' THEN 'he' ELSE 'yi' END
WHERE source = 'x' AND language IN ('in', 'iw', 'ji');
