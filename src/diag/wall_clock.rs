//! Timestamps for log lines: the system clock as UTC
//! `YYYY-MM-DDTHH:MM:SS.mmmZ`, without a date library.

use std::time::{SystemTime, UNIX_EPOCH};

/// Now, formatted.
pub(crate) fn now_utc() -> String {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    format_utc(since.as_millis().try_into().unwrap_or(u64::MAX))
}

/// Milliseconds since the Unix epoch, formatted.
pub(crate) fn format_utc(millis: u64) -> String {
    let secs = millis / 1000;
    let days = secs / 86_400;
    let of_day = secs % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        millis % 1000
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard
/// Hinnant's days-to-civil algorithm).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_as_utc() {
        assert_eq!(format_utc(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day) 12:34:56.789
        assert_eq!(format_utc(951_827_696_789), "2000-02-29T12:34:56.789Z");
        // 2024-12-31 23:59:59.999
        assert_eq!(format_utc(1_735_689_599_999), "2024-12-31T23:59:59.999Z");
    }
}
