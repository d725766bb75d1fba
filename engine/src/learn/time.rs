//! Timestamps as access logs write them, to seconds since the Unix epoch.

/// Days from 1970-01-01 to a civil date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = i64::from((m + 9) % 12);
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn num(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse().ok())?
}

fn seconds(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Option<f64> {
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some((days_from_civil(y, mo, d) * 86_400 + i64::from(h * 3600 + mi * 60 + s)) as f64)
}

/// `+0200` / `-05:30` / `Z` → seconds east of UTC.
fn offset(s: &str) -> Option<f64> {
    if s.is_empty() || s == "Z" {
        return Some(0.0);
    }
    let sign = match s.as_bytes()[0] {
        b'+' => 1.0,
        b'-' => -1.0,
        _ => return None,
    };
    let digits: String = s[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 {
        return None;
    }
    Some(sign * f64::from(num(&digits[..2])? * 3600 + num(&digits[2..])? * 60))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const MONTHS_LOWER: [[u8; 3]; 12] = [
    *b"jan", *b"feb", *b"mar", *b"apr", *b"may", *b"jun", *b"jul", *b"aug", *b"sep", *b"oct",
    *b"nov", *b"dec",
];

/// nginx's `$time_local` / Apache's `%t`: `10/Oct/2026:13:55:36 +0000` (brackets allowed).
pub fn parse_clf_time(s: &str) -> Option<f64> {
    parse_clf_exact(s.as_bytes()).or_else(|| parse_clf_any(s))
}

/// `$time_local` in any of the shapes [`parse_clf_time`] takes.
fn parse_clf_any(s: &str) -> Option<f64> {
    let s = s.trim_start_matches('[').trim_end_matches(']');
    let (date, zone) = s.split_once(' ').unwrap_or((s, ""));
    let mut p = date.splitn(4, [':', '/']);
    let d = num(p.next()?)?;
    let month = p.next()?;
    let y = num(p.next()?)?;
    let time = p.next()?;
    let mo = MONTHS.iter().position(|m| m.eq_ignore_ascii_case(month))? as u32 + 1;
    let mut t = time.split(':');
    let (h, mi, sec) = (num(t.next()?)?, num(t.next()?)?, t.next()?);
    let (whole, frac) = sec.split_once('.').unwrap_or((sec, ""));
    let frac = if frac.is_empty() {
        0.0
    } else {
        format!("0.{frac}").parse().ok()?
    };
    Some(seconds(i64::from(y), mo, d, h, mi, num(whole)?)? + frac - offset(zone)?)
}

/// `$time_local` exactly as nginx writes it, `dd/Mon/yyyy:hh:mm:ss +hhmm`, read by position:
/// the shape of nearly every line, so [`parse_clf_any`] runs only for the others. It gives the
/// same instant, computed the same way.
fn parse_clf_exact(b: &[u8]) -> Option<f64> {
    if b.len() != 26
        || b[2] != b'/'
        || b[6] != b'/'
        || b[11] != b':'
        || b[14] != b':'
        || b[17] != b':'
        || b[20] != b' '
    {
        return None;
    }
    let digits = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    // Setting bit 5 lowers a letter's case and makes anything else no letter.
    let month = [b[3] | 0x20, b[4] | 0x20, b[5] | 0x20];
    let mo = MONTHS_LOWER.iter().position(|m| *m == month)? as u32 + 1;
    let sign = match b[21] {
        b'+' => 1.0,
        b'-' => -1.0,
        _ => return None,
    };
    let offset = sign * f64::from(digits(22..24)? * 3600 + digits(24..26)? * 60);
    let (d, y) = (digits(0..2)?, digits(7..11)?);
    let (h, mi, sec) = (digits(12..14)?, digits(15..17)?, digits(18..20)?);
    Some(seconds(i64::from(y), mo, d, h, mi, sec)? + 0.0 - offset)
}

/// ISO 8601 / RFC 3339: `2026-10-10T13:55:36.123456Z`, `2026-10-10T13:55:36+02:00`,
/// `2026-10-10 13:55:36`.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    if s.len() < 19 || !s.is_char_boundary(19) {
        return None;
    }
    let b = s.as_bytes();
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let y = i64::from(num(&s[..4])?);
    let (mo, d, h, mi, sec) = (
        num(&s[5..7])?,
        num(&s[8..10])?,
        num(&s[11..13])?,
        num(&s[14..16])?,
        num(&s[17..19])?,
    );
    let rest = &s[19..];
    let (frac, zone) = match rest.strip_prefix('.') {
        Some(r) => {
            let end = r.find(|c: char| !c.is_ascii_digit()).unwrap_or(r.len());
            let f: f64 = if end == 0 {
                0.0
            } else {
                format!("0.{}", &r[..end]).parse().ok()?
            };
            (f, &r[end..])
        }
        None => (0.0, rest),
    };
    Some(seconds(y, mo, d, h, mi, sec)? + frac - offset(zone)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_times_read_as_the_same_instant() {
        let utc = 1_791_640_536.0; // 2026-10-10T13:55:36Z
        assert_eq!(parse_clf_time("10/Oct/2026:13:55:36 +0000"), Some(utc));
        assert_eq!(parse_clf_time("[10/Oct/2026:15:55:36 +0200]"), Some(utc));
        assert_eq!(parse_iso8601("2026-10-10T13:55:36Z"), Some(utc));
        assert_eq!(
            parse_iso8601("2026-10-10T08:55:36.5-05:00"),
            Some(utc + 0.5)
        );
        assert_eq!(parse_iso8601("2026-10-10 13:55:36"), Some(utc));
        assert_eq!(
            parse_clf_time("10/Oct/2026:13:55:36.25 +0000"),
            Some(utc + 0.25)
        );
        assert_eq!(parse_clf_time("10/oct/2026:09:25:36 -04:30"), Some(utc));
        assert_eq!(parse_clf_time("10/Foo/2026:13:55:36 +0000"), None);
        assert_eq!(parse_clf_time("10/Oct/2026:13:55:36 *0000"), None);
        assert_eq!(parse_clf_time("1x/Oct/2026:13:55:36 +0000"), None);
        assert_eq!(parse_iso8601("2026-13-10T13:55:36Z"), None);
        assert_eq!(parse_iso8601("not a time at all, no"), None);
    }

    proptest::proptest! {
        #[test]
        fn the_exact_reader_agrees_with_the_general_one(
            d in 0u32..40, mo in 0usize..13, y in 1900u32..2200, h in 0u32..30, mi in 0u32..70,
            sec in 0u32..70, east in proptest::bool::ANY, zh in 0u32..24, zm in 0u32..60,
        ) {
            let month = ["Jan", "feb", "MAR", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Foo"][mo];
            let sign = if east { '+' } else { '-' };
            let s = format!("{d:02}/{month}/{y}:{h:02}:{mi:02}:{sec:02} {sign}{zh:02}{zm:02}");
            proptest::prop_assert_eq!(parse_clf_exact(s.as_bytes()), parse_clf_any(&s));
            proptest::prop_assert!(parse_clf_exact(s.as_bytes()).is_some() || parse_clf_any(&s).is_none());
        }
    }
}
