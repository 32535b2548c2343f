//! Dates: ISO-8601 / RFC 3339 date-times and the SDK's message form with the `time` crate, HTTP-dates (RFC 9110) with
//! `httpdate`; instants are carried as Unix milliseconds.

use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::format_description::FormatItem::{self, Compound, First, Literal, Optional};
use time::macros::format_description;
use time::parsing::Parsed;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time, UtcOffset};

/// The latest second .NET's `DateTimeOffset` holds (9999-12-31T23:59:59Z), the bound the claims are read within.
pub(crate) const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// The widest offset .NET's `DateTimeOffset` takes, in minutes (±14:00).
const MAX_OFFSET_MINUTES: i64 = 14 * 60;

/// Milliseconds since the Unix epoch (negative before it).
pub(crate) fn to_millis(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The time at `millis` since the Unix epoch.
pub(crate) fn from_millis(millis: i64) -> SystemTime {
    if millis >= 0 {
        UNIX_EPOCH + Duration::from_millis(millis.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(millis.unsigned_abs())
    }
}

/// RFC 3339 (`2027-01-15T10:30:00Z`, `2026-01-15T11:30:00.5+01:00`) and the looser ISO-8601 spellings .NET's
/// `DateTimeOffset.TryParse` also reads: `t` or a space for `T`, `z` for `Z`, no seconds, no offset (UTC), a bare date.
const ISO_8601: &[FormatItem<'_>] = &[
    Compound(format_description!("[year]-[month]-[day]")),
    Optional(&Compound(&[
        First(&[Literal(b"T"), Literal(b"t"), Literal(b" ")]),
        Compound(format_description!("[hour]:[minute]")),
        Optional(&Compound(&[
            Compound(format_description!(":[second]")),
            Optional(&Compound(format_description!(".[subsecond]"))),
        ])),
        Optional(&First(&[
            Literal(b"Z"),
            Literal(b"z"),
            Compound(format_description!(
                "[offset_hour sign:mandatory]:[offset_minute]"
            )),
        ])),
    ])),
];

/// The sortable form the SDK's messages use: `2026-01-15 10:30:00Z`.
const MESSAGE: &[FormatItem<'_>] =
    format_description!("[year]-[month]-[day] [hour]:[minute]:[second]Z");

/// Parses an ISO-8601 / RFC 3339 date-time (see [`ISO_8601`]) with a year from 1 to 9999, any number of fractional
/// digits (read to the millisecond) and an offset of at most ±14:00. Returns Unix milliseconds.
pub(crate) fn parse_iso8601(text: &str) -> Option<i64> {
    let text = text.trim();
    // `time` also reads a signed year (`+2026`); the date starts with its four digits.
    if !text.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut parsed = Parsed::new();
    if !parsed
        .parse_items(text.as_bytes(), ISO_8601)
        .ok()?
        .is_empty()
    {
        return None;
    }
    let date = Date::try_from(parsed).ok().filter(|d| d.year() >= 1)?;
    let time = match parsed.hour_24() {
        Some(_) => Time::try_from(parsed).ok()?,
        None => Time::MIDNIGHT,
    };
    let offset_minutes = match parsed.offset_hour() {
        None => 0,
        Some(_) => {
            let offset = UtcOffset::try_from(parsed).ok()?;
            let minutes = i64::from(offset.whole_minutes().unsigned_abs());
            if minutes > MAX_OFFSET_MINUTES {
                return None;
            }
            // time 0.3 carries the offset's sign on its hour, which `-00:30` lacks: the sign is read from the text,
            // where an offset is the last six characters.
            if text.as_bytes()[text.len() - 6] == b'-' {
                -minutes
            } else {
                minutes
            }
        }
    };
    let utc = PrimitiveDateTime::new(date, time).assume_utc();
    Some((utc.unix_timestamp() - offset_minutes * 60) * 1000 + i64::from(utc.millisecond()))
}

/// Parses an IMF-fixdate (`Thu, 15 Jan 2026 10:30:00 GMT`, RFC 9110 §5.6.7) with a weekday that matches its date, in
/// the years 1970 to 9999 (`httpdate`'s range).
pub(crate) fn parse_http_date(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    let date = httpdate::HttpDate::from_str(text).ok()?;
    // httpdate also reads the obsolete RFC 850 and asctime forms; it writes only IMF-fixdates, the one form read here.
    (date.to_string() == text).then(|| SystemTime::from(date))
}

/// Formats Unix milliseconds as `2026-01-15 10:30:00Z` (the sortable form the SDK's messages use). A time outside the
/// years -9999 to 9999 is shown as the nearest of those bounds.
pub(crate) fn format(millis: i64) -> String {
    let seconds = millis.div_euclid(1000);
    let at = OffsetDateTime::from_unix_timestamp(seconds).unwrap_or_else(|_| {
        if seconds < 0 {
            PrimitiveDateTime::MIN
        } else {
            PrimitiveDateTime::MAX
        }
        .assume_utc()
    });
    at.format(MESSAGE).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::format_description::well_known::Rfc3339;

    #[test]
    fn parses_and_formats() {
        assert_eq!(
            parse_iso8601("2026-01-15T10:30:00Z"),
            Some(1_768_473_000_000)
        );
        assert_eq!(
            parse_iso8601("2026-01-15T11:30:00.5+01:00"),
            Some(1_768_473_000_500)
        );
        assert_eq!(parse_iso8601("2026-02-30T00:00:00Z"), None);
        assert_eq!(
            parse_http_date("Thu, 15 Jan 2026 10:30:00 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(1_768_473_000))
        );
        assert_eq!(parse_http_date("Fri, 15 Jan 2026 10:30:00 GMT"), None);
        assert_eq!(format(1_768_473_000_000), "2026-01-15 10:30:00Z");
        assert_eq!(format(951_782_400_000), "2000-02-29 00:00:00Z");
    }

    #[test]
    fn reads_the_looser_iso_8601_spellings() {
        let at = Some(1_768_473_000_000);
        for text in [
            "2026-01-15T10:30:00Z",
            " 2026-01-15t10:30:00z ",
            "2026-01-15 10:30:00",
            "2026-01-15T10:30",
            "2026-01-15T10:30Z",
            "2026-01-15T10:30:00.000Z",
            "2026-01-15T10:30:00.0009999999999Z",
            "2026-01-15T09:00:00-01:30",
            "2026-01-15T10:00:00-00:30",
            "2026-01-15T11:00:00+00:30",
            "2026-01-16T00:30:00+14:00",
            "2026-01-14T20:30:00-14:00",
        ] {
            assert_eq!(parse_iso8601(text), at, "{text}");
        }
        assert_eq!(parse_iso8601("2026-01-15"), Some(1_768_435_200_000));
        assert_eq!(
            parse_iso8601("2026-01-15T10:30:00.1239Z"),
            Some(1_768_473_000_123)
        );
        assert_eq!(parse_iso8601("1969-12-31T23:59:59.5Z"), Some(-500));
        assert_eq!(
            parse_iso8601("0001-01-01T00:00:00Z"),
            Some(-62_135_596_800_000)
        );
        assert_eq!(
            parse_iso8601("9999-12-31T23:59:59Z"),
            Some(MAX_UNIX_SECONDS * 1000)
        );
        assert_eq!(
            parse_iso8601("9999-12-31T23:59:59-01:00"),
            Some((MAX_UNIX_SECONDS + 3600) * 1000)
        );
        for text in [
            "",
            "2026",
            "2026-01",
            "2026-1-15",
            "+2026-01-15",
            "-2026-01-15",
            "0000-01-01T00:00:00Z",
            "2026-01-15Z",
            "2026-01-15T",
            "2026-01-15T10",
            "2026-01-15T10:30:",
            "2026-01-15T10:30:00.",
            "2026-01-15T10:30:00.5.5Z",
            "2026-01-15T10:30.5Z",
            "2026-01-15T24:00:00Z",
            "2026-01-15T10:60:00Z",
            "2026-12-31T23:59:60Z",
            "2026-01-15T10:30:00+0100",
            "2026-01-15T10:30:00+01",
            "2026-01-15T10:30:00+14:01",
            "2026-01-15T10:30:00+00:60",
            "2026-01-15T10:30:00 Z",
            "2026-01-15T10:30:00ZZ",
            "2026-01-15X10:30:00Z",
            "2026-01-15T10:30:00GMT",
            "2027-02-29T00:00:00Z",
        ] {
            assert_eq!(parse_iso8601(text), None, "{text}");
        }
    }

    #[test]
    fn reads_rfc_3339_as_the_time_crate_does() {
        for text in [
            "2027-01-15T10:30:00Z",
            "2026-01-15T11:30:00.5+01:00",
            "1985-04-12T23:20:50.52Z",
            "1996-12-19T16:39:57-08:00",
            "1990-12-31T15:59:59.123456789-08:00",
            "2000-02-29T00:00:00z",
            "1937-01-01T12:00:27.87+00:20",
        ] {
            let expected = OffsetDateTime::parse(text, &Rfc3339).expect(text);
            assert_eq!(
                parse_iso8601(text),
                i64::try_from(expected.unix_timestamp_nanos().div_euclid(1_000_000)).ok(),
                "{text}"
            );
        }
    }

    #[test]
    fn reads_only_imf_fixdates() {
        assert_eq!(
            parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT "),
            Some(UNIX_EPOCH + Duration::from_secs(784_111_777))
        );
        assert_eq!(
            parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT"),
            Some(UNIX_EPOCH + Duration::from_secs(MAX_UNIX_SECONDS.unsigned_abs()))
        );
        for text in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Nov 1994 08:49:37 gmt",
            "sun, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:60 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Tue, 29 Feb 2022 00:00:00 GMT",
            "Sun,  06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 +0000",
            "",
        ] {
            assert_eq!(parse_http_date(text), None, "{text}");
        }
    }

    #[test]
    fn formats_the_whole_range() {
        assert_eq!(format(0), "1970-01-01 00:00:00Z");
        assert_eq!(format(-1), "1969-12-31 23:59:59Z");
        assert_eq!(format(1_768_473_000_999), "2026-01-15 10:30:00Z");
        assert_eq!(
            format(MAX_UNIX_SECONDS * 1000 + 999),
            "9999-12-31 23:59:59Z"
        );
        assert_eq!(format(-62_135_596_800_000), "0001-01-01 00:00:00Z");
        assert_eq!(format(i64::MAX), "9999-12-31 23:59:59Z");
    }
}
