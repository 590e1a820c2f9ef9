//! slofile's fast PromQL check must agree with the parser on every query within the budget. The
//! parser itself panics on some numbers; `parse_guarded` turns that into an error.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(query) = std::str::from_utf8(data) else {
        return;
    };
    if slofile::promql::within_budget(query).is_err() {
        return;
    }
    let fast = slofile::promql::check(query);
    let parser = slofile::promql::parse_guarded(query).map(|_| ());
    assert_eq!(fast, parser, "{query:?}");
});
