-- The SQL macros of the raw and staging layers: timestamps, amounts, contact identifiers.
-- Idempotent (create or replace): run with sql/ddl/raw.sql by journeys.ingest.raw.ensure_raw.
-- Timestamps: ISO-8601 with Z or an offset are absolute (a space before the offset allowed; an
-- offset beyond ±18:00 or a minute beyond 59 is no offset); so is a time followed by UTC, GMT or
-- an IANA zone name (America/New_York, Europe/Berlin). Zone abbreviations (EST, CST, IST) are
-- not read: CST is Central, China and Cuba time. A 12-hour clock (10:00:00 PM) is read. Epoch
-- seconds (10 digits, a fraction allowed), milliseconds (13), microseconds (16: GA4's BigQuery
-- export) and nanoseconds (19: pandas' integers; read to the microsecond) are UTC; a date and time
-- of digits and separators alone is a naive local time in the source's timezone, and so is
-- ISO-8601's basic format (20260301T100000, with Z or an offset: that instant). A fraction of a
-- second may follow a comma, as ISO-8601 allows and Python's logging writes (10:00:00,123).
-- Anything else after the time (DuckDB's own cast ignores it: '10:00:00 PM' and '10:00:00 EST'
-- read as 10:00) is no time.
-- Only instants from 1900 up to (not including) 2200 are timestamps: DuckDB also reads words
-- ('infinity', 'epoch') and years such as 12026, which no analyst's tool (Python, polars) can
-- hold, and one such event would break every later build.
-- journeys_parse_ts is a plain expression (a macro with a subquery is run as a join over every
-- row, 3 s per 7M values). The shapes exports almost always use are read first, with one
-- anchored pattern each; their years 1901-2198 keep any offset inside the range. Every other
-- value takes the general rules (journeys_parse_ts_any), with the same result.
-- The instant is bound once, as a lambda's parameter: a macro's parameter is its argument's text
-- wherever it stands, and journeys_parse_ts_any's whole CASE was planned and run three times
-- (2M values written 2026-01-01 10:00: 5.4 -> 1.8 s; journeys_parse_ts planned in 30 -> 14 ms).
create or replace macro journeys_ts_in_range(t) as list_transform([t], lambda v: case
    when v >= timestamptz '1900-01-01 00:00:00+00' and v < timestamptz '2200-01-01 00:00:00+00'
        then v
end)[1];
create or replace macro journeys_ts_offset_ok(s) as coalesce(
    try_cast(regexp_extract(s, '([+-])(\d\d):?(\d\d)?$', 2) as integer) <= 18
    and coalesce(try_cast(regexp_extract(s, '([+-])(\d\d):?(\d\d)?$', 3) as integer), 0) <= 59,
    true
);
-- '2026-03-01 10:00:00 PM' -> '2026-03-01 22:00:00' (NULL for an hour outside 1-12); p: the parts
create or replace macro journeys_ts_12h_of(p) as case
    when try_cast(
        p.h as integer) between 1 and 12 then p.d || ' '
    || lpad(cast(
        try_cast(p.h as integer) % 12 + case when upper(p.ap) = 'P' then 12 else 0 end
        as varchar
    ), 2, '0') || ':' || p.m || p.sec
end;
create or replace macro journeys_ts_12h(s) as list_transform([regexp_extract(
    s,
    '^([\d\-/.]*\d)[ T](\d{1,2}):(\d\d)(:\d\d(?:\.\d+)?)?\s*([AaPp])\.?[Mm]\.?$',
    ['d', 'h', 'm', 'sec', 'ap']
)], lambda p: journeys_ts_12h_of(p))[1];
-- 20260301T100000,5Z -> 2026-03-01T10:00:00.5Z (ISO-8601's basic format written extended)
create or replace macro journeys_ts_extended(s) as replace(regexp_replace(
    s, '^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)', '\1-\2-\3T\4:\5:\6'
), ',', '.');
create or replace macro journeys_parse_ts_any(s, tz) as journeys_ts_in_range(case
    when s is null or not regexp_matches(s, '\d') then null
    -- epoch seconds, milliseconds, microseconds (BigQuery's GA4 event_timestamp) and
    -- nanoseconds (pandas' int64), told apart by their length: one pattern for the four, so
    -- that a value of another form pays one test, not four
    when regexp_full_match(trim(s), '\d{10}|\d{13}|\d{16}|\d{19}')
        then case length(trim(s))
            when 10 then to_timestamp(cast(trim(s) as bigint))
            when 13 then to_timestamp(cast(trim(s) as bigint) / 1000.0)
            when 16 then to_timestamp(0) + to_microseconds(cast(trim(s) as bigint))
            else to_timestamp(0) + to_microseconds(try_cast(trim(s) as bigint) // 1000)
        end
    when
        regexp_full_match(
            trim(s), '[\d\-/. T:]*\d:\d\d[\d:.]*(,\d+)?\s*([Zz]|[+-]\d\d(:?\d\d)?)'
        )
        then case when journeys_ts_offset_ok(trim(s)) then try_cast(upper(regexp_replace(
            replace(trim(s), ',', '.'), '\s+([Zz]|[+-]\d\d(:?\d\d)?)$', '\1'
        )) as timestamptz) end
    when
        regexp_full_match(
            trim(s),
            '[\d\-/. T:]*\d:\d\d[\d:.]*(,\d+)?\s+((?i:utc|gmt)|[A-Za-z_]+(/[A-Za-z0-9_+\-]+)+)'
        )
        then try_cast(
            regexp_replace(replace(trim(s), ',', '.'), '(?i)\s+(utc|gmt)$', ' UTC') as timestamptz
        )
    when regexp_matches(trim(s), '\d\s*[AaPp]\.?[Mm]\.?$')
        then timezone(tz, try_cast(journeys_ts_12h(trim(s)) as timestamp))
    -- epoch seconds with a fraction (Python's time.time()): to the microsecond, not a double's
    when regexp_full_match(trim(s), '\d{10}\.\d{1,9}')
        then
            to_timestamp(cast(split_part(trim(s), '.', 1) as bigint))
            + to_microseconds(cast(rpad(left(split_part(trim(s), '.', 2), 6), 6, '0') as bigint))
    -- ISO-8601's basic format (iCalendar's): 20260301T100000Z, 20260301T100000+0100, naive
    when regexp_full_match(trim(s), '\d{8}T\d{6}([.,]\d+)?(([Zz]|[+-]\d\d(:?\d\d)?))?')
        then case
            when not journeys_ts_offset_ok(trim(s)) then null
            when regexp_matches(trim(s), '([Zz]|[+-]\d\d(:?\d\d)?)$')
                then try_cast(upper(journeys_ts_extended(trim(s))) as timestamptz)
            else timezone(tz, try_cast(journeys_ts_extended(trim(s)) as timestamp))
        end
    when
        regexp_full_match(trim(s), '[\d\-/. T:]*\d(,\d+)?')
        then timezone(tz, try_cast(replace(trim(s), ',', '.') as timestamp))
end);
-- RFC 9557 (and Java's ZonedDateTime, Temporal) write the zone after the time in brackets:
-- 2026-03-01T10:00+01:00[Europe/Berlin], 2026-03-01T09:00Z[UTC], [!Europe/Berlin] (critical),
-- tags such as [u-ca=gregory] after it. The offset, where written, is the instant (the zone
-- names where it was); without one the time is local to the bracketed zone. t: the value
-- without its brackets; zone: the first bracketed zone name ('' when none).
create or replace macro journeys_ts_bracketed_of(t, zone) as journeys_ts_in_range(case
    when
        regexp_full_match(
            t, '\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d([.,]\d+)?)?([Zz]|[+-]\d\d(:?\d\d)?)'
        )
        and journeys_ts_offset_ok(t)
        then try_cast(upper(replace(t, ',', '.')) as timestamptz)
    when regexp_full_match(t, '\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d([.,]\d+)?)?') and zone <> ''
        then try_cast(replace(t, ',', '.') || ' ' || zone as timestamptz)
end);
create or replace macro journeys_ts_bracketed(s) as list_transform(
    [{
        't': regexp_replace(trim(s), '(\[[^\]]*\])+$', ''),
        'zone': regexp_extract(trim(s), '\[!?([A-Za-z_]+(/[A-Za-z0-9_+\-]+)*)\]', 1)
    }],
    lambda a: journeys_ts_bracketed_of(a.t, a.zone)
)[1];
-- Each general macro appears once in it: a macro is expanded where it is used, and each copy's
-- regular expressions are compiled when a statement is planned (two copies: 30 ms a statement).
-- The year test compares the whole value (s >= '1901' and s < '2199'): with the pattern's four
-- digits first it is the year's range, and a slice s[1:4] decodes the value as Unicode (60 ms
-- against 10 ms for 2M values).
create or replace macro journeys_parse_ts(s, tz) as case
    -- 2026-03-01T10:00:00.000Z, 2026-03-01T10:00:00Z, 2026-03-01T10:00:00+01:00
    when
        s >= '1901' and s < '2199'
        and regexp_full_match(
            s, '\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?(Z|[+-](0\d|1[0-8]):[0-5]\d)'
        )
        then try_cast(s as timestamptz)
    -- 2026-03-01 10:00:00, 2026-03-01T10:00:00.123 in the source's timezone
    when
        s >= '1901' and s < '2199'
        and regexp_full_match(s, '\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?')
        then timezone(tz, try_cast(s as timestamp))
    -- 2026-03-01T10:00+01:00[Europe/Berlin], ' 2026-…[Europe/Paris]'
    when ends_with(rtrim(s), ']') then journeys_ts_bracketed(s)
    else journeys_parse_ts_any(s, tz)
end;
-- The zone name a value ends with (2026-03-01 10:00 Europe/Berlin, ...+01:00[Europe/Berlin]);
-- NULL when it names none.
create or replace macro journeys_ts_zone_name(s) as nullif(regexp_extract(
    trim(s), '\d:\d\d[^A-Za-z\[]*[\s\[!Zz]+([A-Za-z_]+/[A-Za-z0-9_+\-/]+)\]?(\[[^\]]*\])*$', 1
), '');
-- A value whose instant depends on the timezone it is read in: no Z, offset, UTC/GMT, zone name
-- or bracketed zone after the time, and no epoch number.
-- A value ending in Z (every converted XES timestamp) is decided without trimming it (trim is
-- slow: 24 of the 25 ms of 250,000 values).
create or replace macro journeys_ts_is_naive(s) as case
    when ends_with(s, 'Z') then false
    else
        not regexp_matches(
            trim(s), '([Zz]|[+-]\d\d(:?\d\d)?|(?i:utc|gmt)|[A-Za-z_]+/[A-Za-z0-9_+\-/]+|\])$'
        )
        and not regexp_full_match(trim(s), '\d{10}|\d{13}|\d{16}|\d{19}|\d{10}\.\d{1,9}')
end;
-- Why a value is not a timestamp, where a general reason would mislead (NULL otherwise).
create or replace macro journeys_ts_problem(s) as case
    when
        regexp_matches(trim(s), '\d:\d\d[\d:.]*\s*[A-Za-z]{2,5}$')
        and not regexp_matches(trim(s), '(?i)(utc|gmt|\d\s*z|\d\s*[ap]\.?m\.?)$')
        then
            'ends in a time zone abbreviation, which is ambiguous (CST is Central, China and '
            || 'Cuba time); write an offset such as -05:00 or a zone name such as America/New_York'
    when
        regexp_matches(trim(s), '\d:\d\d[\d:.]*\s*[+-]\d\d(:?\d\d)?$')
        and not journeys_ts_offset_ok(trim(s))
        then 'has an offset beyond 18 hours or 59 minutes; write an offset such as +01:00'
    when
        try_cast('2000-01-01 00:00:00 ' || journeys_ts_zone_name(s) as timestamptz) is null
        then
            'names the time zone ''' || journeys_ts_zone_name(s) || ''', which is not an IANA '
            || 'zone name; write one such as Europe/Berlin, or an offset such as +01:00'
end;
-- An Excel serial date (--date-format excel): days since 1899-12-30, the fraction the time of
-- day (45741.375 is 2025-03-25 09:00), a naive local time read in tz, to the millisecond (the
-- fraction's binary rounding: 0.3958333 is 09:30, not 09:29:59.999997). Five digits before the
-- point only: 1927 to 2173 (a 10- or 13-digit number is epoch seconds or milliseconds).
create or replace macro journeys_excel_ts(s, tz) as case
    when regexp_full_match(trim(s), '\d{5}(\.\d+)?')
        then journeys_ts_in_range(timezone(
            tz,
            timestamp '1899-12-30 00:00:00'
            + to_milliseconds(cast(round(cast(trim(s) as double) * 86400000) as bigint))
        ))
end;
-- A timestamp in a layout the user names (import-log --date-format, strptime directives such
-- as '%d/%m/%Y %H:%M'): read in tz unless the layout carries an offset (%z) or zone (%Z).
-- Without a layout (fmt NULL) the general rules above.
create or replace macro journeys_parse_ts_as(s, tz, fmt) as case
    when fmt is null then journeys_parse_ts(s, tz)
    when fmt = 'excel' then journeys_excel_ts(s, tz)
    when contains(fmt, '%z') or contains(fmt, '%Z')
        then journeys_ts_in_range(cast(try_strptime(trim(s), fmt) as timestamptz))
    else journeys_ts_in_range(timezone(tz, cast(try_strptime(trim(s), fmt) as timestamp)))
end;
-- A date written 25/03/2026 (10:00), 03.25.26 or 1-4-2026 10:00 PM, in its parts; first = ''
-- when the value is not written so. DuckDB reads none of these without a layout.
create or replace macro journeys_dmy_parts(s) as regexp_extract(
    trim(s),
    '^(\d{1,2})([/.\-])(\d{1,2})[/.\-](\d{4}|\d{2})'
    || '(([ T]+)\d{1,2}:\d\d(:\d\d)?(\.\d+)?(\s*[AaPp]\.?[Mm]\.?)?)?$',
    ['first', 'sep', 'second', 'year', 'time', 'gap', 'seconds', 'fraction', 'ampm']
);
-- The --date-format layout of such a date, day first or month first.
create or replace macro journeys_dmy_format(p, day_first) as
case when day_first then '%d' || p.sep || '%m' else '%m' || p.sep || '%d' end
|| p.sep || case when length(p.year) = 4 then '%Y' else '%y' end
|| case
    when p.time = '' then ''
    else
        (case when p.gap = 'T' then 'T' else ' ' end)
        || (case when p.ampm <> '' then '%I' else '%H' end) || ':%M'
        || (case when p.seconds <> '' then ':%S' else '' end)
        || (case when p.fraction <> '' then '.%f' else '' end)
        || (case when p.ampm <> '' then ' %p' else '' end)
end;
-- Whether such a date is one of the calendar read day first (or month first): 31/04/2026 is
-- neither (April has 30 days; there is no month 31), 13/04/2026 is day first only.
create or replace macro journeys_dmy_text(p) as p.first || '/' || p.second || '/' || p.year;
create or replace macro journeys_dmy_is_date(p, day_first) as case
    when day_first and length(p.year) = 4 then try_strptime(journeys_dmy_text(p), '%d/%m/%Y')
    when day_first then try_strptime(journeys_dmy_text(p), '%d/%m/%y')
    when length(p.year) = 4 then try_strptime(journeys_dmy_text(p), '%m/%d/%Y')
    else try_strptime(journeys_dmy_text(p), '%m/%d/%y')
end is not null;
-- Why such a date is not read, with the --date-format that reads it (never the value itself).
-- A date that neither order reads names no layout: no --date-format reads it, and it is no
-- sign of the file's layout (logreading.check_day_month refused a whole day-first file read
-- day first for one 02/31 among its rows).
-- (Whether it is a date day first, and month first, each tested once: a lambda's parameter.)
create or replace macro journeys_dmy_reason(p) as list_transform(
    [{ 'day': journeys_dmy_is_date(p, true), 'month': journeys_dmy_is_date(p, false) }],
    lambda fits: case
        when p.first = '' then null
        when not fits.day and not fits.month
            then
                'is not a date of the calendar, day first or month first (a day its month '
                || 'does not have, such as 31 April, or a month above 12); correct it in the file'
        when not fits.month
            then 'is day first; pass --date-format ''' || journeys_dmy_format(p, true) || ''''
        when not fits.day
            then 'is month first; pass --date-format ''' || journeys_dmy_format(p, false) || ''''
        else
            'is day first or month first (both fit); pass --date-format '''
            || journeys_dmy_format(p, true) || ''' or ''' || journeys_dmy_format(p, false)
            || ''''
    end
)[1];
-- The parts are bound once, as a lambda's parameter: a macro's parameter is its argument's text
-- wherever it stands, and journeys_dmy_reason names p dozens of times (each a copy of the
-- regular expression, compiled when a statement is planned: 22 -> 8 ms a statement).
create or replace macro journeys_dmy_problem(s) as
list_transform([journeys_dmy_parts(s)], lambda p: journeys_dmy_reason(p))[1];
-- A clock time written 9:00, 09:00:15 or 9:00 PM, as strptime directives (NULL: not one).
create or replace macro journeys_time_layout(t) as case
    when t = '' then ''
    when regexp_full_match(t, '\d{1,2}:\d\d(:\d\d)?(\s*)([AaPp][Mm])?')
        then
            (case when regexp_matches(t, '[AaPp][Mm]$') then '%I' else '%H' end)
            || ':%M'
            || (case when regexp_matches(t, '^\d{1,2}:\d\d:\d\d') then ':%S' else '' end)
            || regexp_extract(t, '\d(\s*)[AaPp][Mm]$', 1)
            || (case when regexp_matches(t, '[AaPp][Mm]$') then '%p' else '' end)
end;
-- English month names as strptime reads them (%b: three letters, %B: the whole name).
create or replace macro journeys_month_names() as
'(?i:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|january|february|march|april|june|july'
|| '|august|september|october|november|december)';
-- The --date-format layout of a timestamp written in a common way that is not ISO-8601 and not
-- DD/MM/YYYY (journeys_dmy_problem): 2026-03-25 09:00:00,123 (a comma before the fraction),
-- 25-Mar-2026 09:00, 25 March 2026, Mar 25, 2026 9:00 AM, 20260325T090000, and the e-mail
-- form Wed, 25 Mar 2026 09:00:00 GMT. NULL for anything else.
create or replace macro journeys_named_layout(s) as case
    when regexp_full_match(s, '\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d,\d{1,6}')
        then '%Y-%m-%d' || substr(s, 11, 1) || '%H:%M:%S,%f'
    when
        regexp_full_match(
            s,
            '\d{1,2}([ \-/.])' || journeys_month_names() || '([ \-/.])\d{4}([ T,]+.*)?'
        )
        then
            '%d' || regexp_extract(s, '^\d{1,2}([ \-/.])', 1)
            || (
                case when regexp_matches(s, '^\d{1,2}.[A-Za-z]{3}[^A-Za-z]') then '%b' else '%B' end
            )
            || regexp_extract(s, '^\d{1,2}.[A-Za-z]+([ \-/.])', 1) || '%Y'
            || regexp_extract(s, '^\d{1,2}.[A-Za-z]+.\d{4}([ T,]*)', 1)
            || journeys_time_layout(regexp_extract(s, '^\d{1,2}.[A-Za-z]+.\d{4}[ T,]*(.*)$', 1))
    when
        regexp_full_match(
            s,
            journeys_month_names() || ' \d{1,2},? \d{4}([ T,]+.*)?'
        )
        then
            (case when regexp_matches(s, '^[A-Za-z]{3} ') then '%b' else '%B' end) || ' %d'
            || (case when regexp_matches(s, '^[A-Za-z]+ \d{1,2},') then ',' else '' end)
            || ' %Y'
            || regexp_extract(s, '^[A-Za-z]+ \d{1,2},? \d{4}([ T,]*)', 1)
            || journeys_time_layout(
                regexp_extract(s, '^[A-Za-z]+ \d{1,2},? \d{4}[ T,]*(.*)$', 1)
            )
    when regexp_full_match(s, '\d{8}T?\d{6}')
        then '%Y%m%d' || (case when contains(s, 'T') then 'T' else '' end) || '%H%M%S'
    when regexp_full_match(s, '(20|19)\d{6}') then '%Y%m%d'
    when
        regexp_full_match(
            s, '[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d\d:\d\d:\d\d (GMT|UTC|[+-]\d{4})'
        )
        then
            '%a, %d %b %Y %H:%M:%S ' || (case when regexp_matches(s, '\d$') then '%z' else '%Z' end)
end;
create or replace macro journeys_layout_problem(s) as case
    when regexp_full_match(trim(s), '\d{5}(\.\d+)?')
        then 'is written as Excel day numbers (days since 1899-12-30); pass --date-format ''excel'''
    else
        'is written in a layout of its own; pass --date-format '''
        || journeys_named_layout(trim(s)) || ''''
end;
-- An email address in its normal form, or NULL when the value holds none. The address is the
-- one inside angle brackets when there are some ('Jane Doe <jane@example.com>', as mail
-- clients and help desks write a sender), without a mailto: prefix, white space (Unicode's
-- too: a no-break space or zero-width space copied from a web page), surrounding quotes and a
-- sentence's final dot, lower-cased. It must then be one local part, an @ and a domain with a
-- dot; a value that is no address ('n/a', '-', 'unknown', two addresses in one field) and a
-- system sender that is nobody's (noreply@, do-not-reply@, mailer-daemon@, postmaster@) give
-- NULL: kept as a key, each would join every ticket carrying it into one customer.
create or replace macro journeys_email_text(s) as regexp_replace(
    lower(coalesce(nullif(regexp_extract(s, '<([^<>]*)>', 1), ''), s)),
    '^[\s\pZ\x{200B}\x{FEFF}"'']*mailto:'
    || '|[\s\pZ\x{200B}-\x{200D}\x{2060}\x{FEFF}]+|^["'']+|["''.]+$',
    '',
    'g'
);
create or replace macro journeys_email_checked(a) as case
    when
        regexp_full_match(a, '[^@\s,;<>()\[\]]+@[^@\s,;<>()\[\].]+(\.[^@\s,;<>()\[\].]+)+')
        and not regexp_matches(
            a, '^(no-?reply|do-?not-?reply|mailer-daemon|postmaster)([+._-][^@]*)?@'
        )
        then a
end;
create or replace macro journeys_norm_email(s) as journeys_email_checked(journeys_email_text(s));
-- The keyed hashes that replace a contact in staging (salt: the configuration's): of an email's
-- normal form (NULL when the value holds no address), and of a phone's (raw.phone_numbers'
-- E.164 digits). Every model that keys a contact calls these, so one address is one key.
create or replace macro journeys_email_key(s, salt) as
sha256(salt || 'e:' || journeys_norm_email(s));
create or replace macro journeys_phone_key(phone_norm, salt) as sha256(salt || 'p:' || phone_norm);
-- A phone number's national part that numbers nobody: one digit repeated (0, 000-000-0000,
-- 99 99 99 99) or a run of consecutive digits (123456, 0123456789, 987654321), as forms and
-- help desks fill a phone field that must not be empty.
create or replace macro journeys_placeholder_number(n) as coalesce(
    length(replace(n, left(n, 1), '')) = 0
    or (
        length(n) >= 6
        and (contains('01234567890123456789', n) or contains('98765432109876543210', n))
    ),
    false
);
-- trim(s) as DuckDB's trim, which strips Unicode space separators (U+0020, U+00A0, U+3000 ...)
-- and is slow (it decodes both ends of every value: 0.17 µs a value, 1.2 s of 6.8M web events'
-- five id columns): a value that starts and ends with a printable ASCII character has none.
-- For values as read from a file (the ingest checks). On a stored column use trim: DuckDB
-- trims a dictionary-compressed column once per distinct value, which a CASE undoes (raw.web's
-- seven columns in staging: 0.44 s with trim, 1.18 s with this).
create or replace macro journeys_trim(s) as case
    when ascii(s) between 33 and 126 and ascii(substring(s, length(s))) between 33 and 126 then s
    else trim(s)
end;
create or replace macro journeys_blank(s) as case
    when s is null then true
    when ascii(s) between 33 and 126 then false
    else trim(s) = ''
end;
-- A long number as a spreadsheet shows it: 1.23457E+11 (Excel keeps six digits of an id or a
-- phone number it read as a number, so that different ones become one); false for NULL.
create or replace macro journeys_rounded(s) as case
    -- a CASE: the pattern only for the few values with a +, which an AND of the two tests did
    -- not spare the rest (0.56 against 0.04 s for 7M ids)
    when contains(s, '+') then regexp_full_match(trim(s), '[0-9]([.,][0-9]+)?[eE]\+[0-9]{1,3}')
    else false
end;
-- The reason for a row whose id column `name` holds such a number.
create or replace macro journeys_rounded_reason(name) as
name || ' is a long number a spreadsheet rounded (written like 1.23457E+11), so different ids '
|| 'became one; export the file again without opening it in a spreadsheet, or format the '
|| 'column as text before saving';
-- An identifier that names nobody: empty, or a placeholder that analytics and shop exports
-- write for a missing id (PostHog's ids it never merges on: anonymous, guest, distinct_id, id,
-- not_authenticated, email, undefined, true, false, [object Object], NaN, None, null, 0; a
-- WooCommerce guest's customer 0; Google Analytics' (not set)), in any case, quoted or not.
-- Kept as an id, it would make every visitor or guest carrying it one customer.
create or replace macro journeys_no_id(s) as case
    when journeys_blank(s) then true
    -- only a value of a placeholder's length, quoted or not, is matched (strlen: bytes, no
    -- decoding); a pattern, not IN or list_contains: DuckDB plans a list of constants as a join,
    -- which reads every row whatever the CASE (0.38 s of 671,000 web events' two ids)
    when strlen(s) > 19 or strlen(s) in (8, 14, 16, 18) then false
    else regexp_full_match(
        s,
        '(?i)["'' ]*(anonymous|guest|distinct_?id|id|not_authenticated|email|undefined|true'
        || '|false|\[object object\]|nan|none|null|0|\(not set\))["'' ]*'
    )
end;
-- Google Analytics 4's list of keys and typed values (an event's event_params or
-- user_properties, read as a list of {key, value: {string_value, int_value, double_value,
-- float_value}}) as one JSON object of its keys in their order, each value as text, whichever
-- field holds it: an entry without a key is left out, and a key given twice keeps its first
-- value (only such a list is searched).
create or replace macro journeys_ga4_object(params) as (
    to_json(
        map_from_entries(
            case
                when list_unique(list_transform(params, lambda p: p.key)) = len(params)
                    then list_transform(
                        params,
                        lambda p: {
                            'k': p.key,
                            'v': coalesce(
                                p.value.string_value,
                                p.value.int_value,
                                p.value.double_value,
                                p.value.float_value
                            )
                        }
                    )
                else list_transform(
                    list_filter(
                        range(1, len(params) + 1),
                        lambda i: params[i].key is not null
                        and list_position(list_transform(params, lambda p: p.key), params[i].key)
                        = i
                    ),
                    lambda i: {
                        'k': params[i].key,
                        'v': coalesce(
                            params[i].value.string_value,
                            params[i].value.int_value,
                            params[i].value.double_value,
                            params[i].value.float_value
                        )
                    }
                )
            end
        )
    )
);

-- The number of an amount's digits and separators, read with the source's decimal separator:
-- '.' reads 19.90 (and whatever else DuckDB casts: 1e3); ',' reads 19,90 and 1.249,70 (dots
-- group thousands) and nothing else, so 1.249 is 1249 there. NULL: not a number so written.
-- Thousands commas in '.' (1,249.70) are not read: 1,500 could be a European 1.5.
create or replace macro journeys_amount_number(s, decimal_separator) as case
    when decimal_separator = ','
        then case
            when regexp_full_match(trim(s), '[+-]?\d{1,3}(\.\d{3})+(,\d+)?')
                then try_cast(replace(replace(trim(s), '.', ''), ',', '.') as double)
            when regexp_full_match(trim(s), '[+-]?\d+(,\d+)?')
                then try_cast(replace(trim(s), ',', '.') as double)
        end
    else try_cast(trim(s) as double)
end;
-- An amount as exports write it, in parts: a currency before or after the number (an ISO code
-- or a symbol: 19,90 €, $1,249.70, CHF 1'249.70, EUR19,90), its sign (-5, an accountant's
-- (19.90), SAP's 19.90-) and the number (num, '' when the value is no amount so written), whose
-- thousands may be grouped by spaces or apostrophes (1 249,70, 1'249.70): no decimal separator
-- is either, so such groups are read in both layouts.
create or replace macro journeys_amount_parts(s) as regexp_extract(
    trim(s),
    '^(US\$|C\$|A\$|[A-Z]{3}|[€$£¥₹₩₽₺₪฿₫₴₦]|kr\.?|Fr\.)?\s*([(+-]?)\s*'
    || '([0-9][0-9.,\s\x{00A0}\x{202F}''’]*?)\s*(\)?)(-?)\s*'
    || '(US\$|C\$|A\$|[A-Z]{3}|[€$£¥₹₩₽₺₪฿₫₴₦]|kr\.?|Fr\.)?$',
    ['pre', 'sign', 'num', 'close', 'trail', 'post']
);
create or replace macro journeys_amount_of_parts(p, decimal_separator) as case
    when
        p.num = '' or (p.pre <> '' and p.post <> '') or (p.sign = '(') <> (p.close = ')')
        or (p.sign in ('-', '(') and p.trail = '-')
        then null
    else
        (case when p.sign in ('-', '(') or p.trail = '-' then -1 else 1 end)
        * list_transform(  -- the digits bound once: journeys_amount_number names them often
            [
                case
                    when
                        regexp_full_match(
                            p.num, '\d{1,3}([ \x{00A0}\x{202F}''’]\d{3})+([.,]\d+)?'
                        )
                        then regexp_replace(p.num, '[ \x{00A0}\x{202F}''’]', '', 'g')
                    else p.num
                end
            ],
            lambda n: journeys_amount_number(n, decimal_separator)
        )[1]
end;
-- An amount as a number, read with the source's decimal separator (sources.<name>.decimal),
-- whatever currency marks it and however its thousands are grouped (journeys_amount_parts).
create or replace macro journeys_amount(s, decimal_separator) as case
    when journeys_blank(s) then null
    -- the usual value first: digits, a sign, one decimal separator (no parts to take apart)
    when regexp_full_match(s, '[+-]?[0-9]+([.,][0-9]+)?')
        then journeys_amount_number(s, decimal_separator)
    else coalesce(
        case when decimal_separator = '.' then try_cast(trim(s) as double) end,  -- 1e3
        list_transform(  -- the parts bound once: journeys_amount_of_parts names p often
            [journeys_amount_parts(s)], lambda p: journeys_amount_of_parts(p, decimal_separator)
        )[1]
    )
end;
create or replace macro journeys_currency_of_marker(m) as case
    when regexp_full_match(m, '[A-Z]{3}') then m
    when m in ('$', '¥', 'kr', 'kr.') then '?'
    else map_extract_value(
        map {
            '€': 'EUR', '£': 'GBP', '₹': 'INR', '₩': 'KRW', '₽': 'RUB', '₺': 'TRY', '₪': 'ILS',
            '฿': 'THB', '₫': 'VND', '₴': 'UAH', '₦': 'NGN', 'US$': 'USD', 'C$': 'CAD',
            'A$': 'AUD', 'Fr.': 'CHF'
        },
        m
    )
end;
-- The currency an amount names itself: its ISO code, or the code of a symbol that names one
-- currency (€ EUR, £ GBP, ₹ INR, US$ USD, Fr. CHF ...); '?' for a symbol that names several ($,
-- ¥, kr); NULL when it names none (or is no amount so written).
create or replace macro journeys_amount_currency(s) as case
    when journeys_blank(s) or regexp_full_match(s, '[+-]?[0-9]+([.,][0-9]+)?') then null
    else list_transform(  -- the parts bound once
        [journeys_amount_parts(s)],
        lambda p: journeys_currency_of_marker(nullif(coalesce(nullif(p.pre, ''), p.post), ''))
    )[1]
end;
-- Why an amount is not a number in the source's layout, and the fix (never the value).
create or replace macro journeys_number_problem(s, decimal_separator) as case
    when
        decimal_separator = '.'
        and regexp_full_match(s, '[+-]?(\d+|\d{1,3}(\.\d{3})+),\d+')
        then
            'is written with a decimal comma (19,90); set decimal: '','' for this source in '
            || 'the configuration'
    when decimal_separator = '.' and regexp_full_match(s, '[+-]?\d{1,3}(,\d{3})+(\.\d+)?')
        then 'has thousands separators; write it without them, such as 1249.70'
    when decimal_separator = ','
        then 'is not a number written with a decimal comma, such as 19,90 or 1.249,70'
    else 'is not a number; use a plain decimal such as 19.90'
end;
create or replace macro journeys_amount_problem(s, decimal_separator) as
journeys_number_problem(
    coalesce(nullif(journeys_amount_parts(s).num, ''), trim(s)), decimal_separator
);
-- Contact identifiers in imported logs: a whole value that is an email address, or a phone
-- number written as one (a leading + or 00, or digit groups with separators; 8 to 15 digits).
-- Plain numbers (173688, zero-padded 0000123456) are ids, not phones.
-- Each starts with a test the value must pass to match at all (an @; a first character + 0 or
-- an opening bracket), which most ids fail, as a CASE: the regular expressions then run on the
-- few values that pass it. (As the first term of an AND they ran on every value: DuckDB
-- evaluates every term of an AND in a SELECT list; 40,000 ticket ids, one thread: 37 -> 5 ms.)
-- NULL is no contact (false), as before.
create or replace macro journeys_is_email(s) as case
    when contains(s, '@') then regexp_full_match(trim(s), '[\w.+-]+@[\w-]+(\.[\w-]+)+')
    else false
end;
create or replace macro journeys_is_phone(s) as case
    when left(trim(s), 1) in ('+', '0', '(')
        then
            length(regexp_replace(s, '[^0-9]', '', 'g')) between 8 and 15
            and (
                regexp_full_match(trim(s), '(\+|00)[1-9][0-9 ().-]*')
                or regexp_full_match(trim(s), '\(?0[1-9][0-9]{0,4}\)?([ .-]+[0-9]{2,})+')
            )
    else false
end;
create or replace macro journeys_is_contact(s) as journeys_is_email(s) or journeys_is_phone(s);
-- An activity's email addresses and international phone numbers, masked as in the reports.
create or replace macro journeys_redact(s) as regexp_replace(
    regexp_replace(s, '[\w.+-]+@[\w-]+(\.[\w-]+)+', '[email]', 'g'),
    '(\+|\b00)[1-9]([ ().-]{0,2}[0-9]){7,14}', '[phone]', 'g'
);
-- A batch whose every row was rejected (every timestamp in a layout not given yet, every amount
-- with a decimal comma): its file is read again, and the new batch supersedes it
-- (ingest/manifest_lookup.sql, superseded_rejects.sql, supersede_batches.sql; load.BatchResult).
create or replace macro journeys_every_row_rejected(rows_accepted, duplicates, rows_rejected) as
rows_accepted = 0 and duplicates = 0 and rows_rejected > 0;
-- Why a shop source's timestamp is not read (column name aside), with the source's fix: the
-- log's reasons (journeys_ts_problem, journeys_dmy_problem, journeys_layout_problem) with
-- import-log's --date-format said as the source's date_format setting; `fallback` when none
-- applies. With a date_format the value does not match, that and how it is written instead.
create or replace macro journeys_source_fix(reason) as (
    replace(reason, 'pass --date-format ', 'set date_format: ')
    || ' for this source in the configuration'
);
-- (journeys_dmy_problem bound once for both branches, as a lambda's parameter; a lambda's
-- body names only macros defined before it, so this one comes last.)
create or replace macro journeys_source_ts_reason(s, date_format, fallback) as list_transform(
    [journeys_source_fix(journeys_dmy_problem(s))],
    lambda dmy: case
        when date_format is not null
            then
                'does not match the source''s date_format ''' || date_format || ''''
                || coalesce('; it ' || dmy, '')
        else coalesce(
            journeys_ts_problem(s),
            dmy,
            journeys_source_fix(journeys_layout_problem(s)),
            fallback
        )
    end
)[1];
