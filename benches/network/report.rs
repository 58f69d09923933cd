//! The tables the network bench prints: bandwidth per pairing, per
//! phase and per side against the stock programs, and the soak's samples.

use crate::bandwidth::{BandwidthRun, PHASES};
use crate::harness::{Counts, Pairing, Side};
use crate::soak::{flat, Series, SoakRun};

pub(crate) fn ratio(ours: u64, reference: Option<u64>) -> String {
    match reference {
        Some(r) if r > 0 => format!("{:.2}", ours as f64 / r as f64),
        _ => "?".to_string(),
    }
}

pub(crate) fn print_bandwidth_totals(
    runs: &[(Pairing, Result<BandwidthRun, String>)],
    reference: Option<Counts>,
) {
    println!();
    println!(
        "| {:<30} | up dgrams | up bytes | down dgrams | down bytes | up/ref | down/ref | total/ref | flood s |",
        "pairing"
    );
    println!(
        "| {:-<30} | --------: | -------: | ----------: | ---------: | -----: | -------: | --------: | ------: |",
        ""
    );
    for (pairing, run) in runs {
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                println!("| {:<30} | failed: {}", pairing.name(), first_line(e));
                continue;
            }
        };
        let c = run.total;
        println!(
            "| {:<30} | {:>9} | {:>8} | {:>11} | {:>10} | {:>6} | {:>8} | {:>9} | {:>7.1} |",
            pairing.name(),
            c.up_datagrams,
            c.up_bytes,
            c.down_datagrams,
            c.down_bytes,
            ratio(c.up_bytes, reference.map(|r| r.up_bytes)),
            ratio(c.down_bytes, reference.map(|r| r.down_bytes)),
            ratio(c.total_bytes(), reference.map(Counts::total_bytes)),
            run.flood_seconds,
        );
        if run.overran > 1.0 {
            println!(
                "  (the flood ran {:.1} s past the session's length)",
                run.overran
            );
        }
    }
}

pub(crate) fn print_bandwidth_phases(runs: &[(Pairing, Result<BandwidthRun, String>)]) {
    type Cell = fn(&Counts) -> (u64, u64);
    let tables: [(&str, Cell); 2] = [
        ("bytes up / down per phase", |c| (c.up_bytes, c.down_bytes)),
        ("datagrams up / down per phase", |c| {
            (c.up_datagrams, c.down_datagrams)
        }),
    ];
    let header: Vec<String> = PHASES.iter().map(|p| format!("{p:>15}")).collect();
    for (title, cell) in tables {
        println!();
        println!("{title}");
        println!("| {:<30} | {} |", "pairing", header.join(" | "));
        println!(
            "| {:-<30} |{}",
            "",
            " --------------: |".repeat(PHASES.len())
        );
        for (pairing, run) in runs {
            let Ok(run) = run else { continue };
            let cells: Vec<String> = run
                .phases
                .iter()
                .map(|c| {
                    let (up, down) = cell(c);
                    format!("{:>15}", format!("{up} / {down}"))
                })
                .collect();
            println!("| {:<30} | {} |", pairing.name(), cells.join(" | "));
        }
    }
}

pub(crate) fn print_bandwidth_goal(
    runs: &[(Pairing, Result<BandwidthRun, String>)],
    reference: Option<Counts>,
) {
    let Some(reference) = reference else {
        println!("goal (bytes <= stock's): unknown, the stock pairing failed");
        return;
    };
    let over: Vec<String> = runs
        .iter()
        .filter(|(p, _)| !p.scrollback)
        .filter_map(|(p, r)| Some((p, r.as_ref().ok()?)))
        .filter(|(_, r)| r.total.total_bytes() > reference.total_bytes())
        .map(|(p, _)| p.name())
        .collect();
    let failed = runs.iter().filter(|(_, r)| r.is_err()).count();
    if over.is_empty() && failed == 0 {
        println!("goal (total bytes <= the stock pairing's, each pairing): met");
    } else {
        println!(
            "goal (total bytes <= the stock pairing's, each pairing): NOT met; over: {over:?}, failed: {failed}"
        );
    }
    print_each_side(runs);
    print_scrollback_cost(runs);
    println!();
}

/// Our pair with scrollback against the same pair without, per phase:
/// typing and the full-screen redraw should cost at most 10% more; the
/// flood carries the lines that scrolled off (up to the server's limit).
fn print_scrollback_cost(runs: &[(Pairing, Result<BandwidthRun, String>)]) {
    let ours = |scrollback: bool| {
        runs.iter()
            .find(|(p, _)| {
                p.client == Side::Ours && p.server == Side::Ours && p.scrollback == scrollback
            })
            .and_then(|(_, r)| r.as_ref().ok())
    };
    let (Some(with), Some(without)) = (ours(true), ours(false)) else {
        println!("  scrollback's cost: unknown, a run failed");
        return;
    };
    let mut within = true;
    for (phase, (a, b)) in PHASES.iter().zip(with.phases.iter().zip(&without.phases)) {
        let ratio = a.total_bytes() as f64 / b.total_bytes().max(1) as f64;
        if matches!(*phase, "typing" | "top") && ratio > 1.10 {
            within = false;
        }
        println!(
            "  scrollback / none, {phase}: {} / {} bytes = {ratio:.2}",
            a.total_bytes(),
            b.total_bytes()
        );
    }
    println!(
        "  goal (scrollback adds <= 10% to typing and the redraw): {}",
        if within { "met" } else { "NOT met" }
    );
}

/// Each of our programs against the stock one with the same peer, on the
/// bytes it sends itself: our server's down bytes, our client's up bytes.
pub(crate) fn print_each_side(runs: &[(Pairing, Result<BandwidthRun, String>)]) {
    let total = |client: Side, server: Side| {
        runs.iter()
            .find(|(p, _)| p.client == client && p.server == server)
            .and_then(|(_, r)| r.as_ref().ok())
            .map(|r| r.total)
    };
    for peer in [Side::Stock, Side::Ours] {
        if let (Some(ours), Some(stock)) = (total(peer, Side::Ours), total(peer, Side::Stock)) {
            println!(
                "  our server's bytes down / the stock server's, with the {} client: {} / {} = {}",
                peer.name(),
                ours.down_bytes,
                stock.down_bytes,
                ratio(ours.down_bytes, Some(stock.down_bytes))
            );
        }
    }
    for peer in [Side::Stock, Side::Ours] {
        if let (Some(ours), Some(stock)) = (total(Side::Ours, peer), total(Side::Stock, peer)) {
            println!(
                "  our client's bytes up / the stock client's, with the {} server: {} / {} = {}",
                peer.name(),
                ours.up_bytes,
                stock.up_bytes,
                ratio(ours.up_bytes, Some(stock.up_bytes))
            );
        }
    }
}

pub(crate) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

pub(crate) fn figure(series: &Series, value: u64) -> String {
    if series.rss {
        format!("{:.2} MiB", value as f64 / 1024.0)
    } else {
        value.to_string()
    }
}

pub(crate) fn print_soak(runs: &[(Pairing, Result<SoakRun, String>)]) {
    println!();
    println!(
        "| {:<30} | {:<24} | {:>10} | {:>10} | {:>10} | {:>10} | flat |",
        "pairing", "figure", "first", "middle", "last", "max"
    );
    println!(
        "| {:-<30} | {:-<24} | ---------: | ---------: | ---------: | ---------: | ---- |",
        "", ""
    );
    let mut all_flat = true;
    for (pairing, run) in runs {
        let run = match run {
            Ok(run) => run,
            Err(e) => {
                all_flat = false;
                println!("| {:<30} | failed: {}", pairing.name(), first_line(e));
                continue;
            }
        };
        for s in &run.series {
            let v = &s.values;
            let at = |i: usize| figure(s, v.get(i).copied().unwrap_or(0));
            let max = figure(s, v.iter().copied().max().unwrap_or(0));
            let is_flat = flat(s);
            all_flat &= is_flat;
            println!(
                "| {:<30} | {:<24} | {:>10} | {:>10} | {:>10} | {max:>10} | {:<4} |",
                pairing.name(),
                s.name,
                at(0),
                at(v.len() / 2),
                at(v.len().saturating_sub(1)),
                if is_flat { "yes" } else { "NO" }
            );
            if s.missed > 0 {
                println!("  ({} samples of {} could not be read)", s.missed, s.name);
            }
        }
    }
    println!();
    println!("soak traffic delivered (datagrams up / down, bytes up / down; dropped by the relay)");
    for (pairing, run) in runs {
        if let Ok(run) = run {
            let c = run.traffic;
            println!(
                "  {:<30} {} / {} datagrams, {} / {} bytes, {} dropped",
                pairing.name(),
                c.up_datagrams,
                c.down_datagrams,
                c.up_bytes,
                c.down_bytes,
                run.dropped
            );
        }
    }
    println!(
        "goal (memory and held states flat over the soak): {}",
        if all_flat { "met" } else { "NOT met" }
    );
}
