//! The reliability proof (run with `cargo bench --bench reliability`): the real `tenantctl`
//! binary against flysim with injected faults, then flysim's state read directly (its census
//! of apps, machines, volumes, IPs and certificates) to count what went wrong. It prints
//! figures; it is not a timed test and asserts nothing.
//!
//! Faults (every phase): 10% of Machines API calls fail or are slow, 1.5% each of 500, 502,
//! 503, 429 with `Retry-After: 1` and connection resets, 2.5% slow answers (+300 ms); 10% of
//! machine boots get checks that go critical. The object store the backups go to (flysim's own,
//! under `/s3`) has no faults.
//!
//! 1. **Faults.** `RELIABILITY_TENANTS` tenants (200) each provisioned (starter, one domain),
//!    upgraded (pro), deployed (a second image), backed up and destroyed, `RELIABILITY_CONCURRENCY`
//!    (8) tenants at a time. A command that exits non-zero is run again, up to 5 runs; a
//!    destroy re-run that finds the tenant gone (exit 3) counts as done. Before the destroy a
//!    tenant has **converged** when its app has exactly one machine, started, with passing checks,
//!    on tier pro and the second image, and one 2 GB volume mounted by it; after the destroy,
//!    when nothing of it is left.
//! 2. **SIGKILL.** `RELIABILITY_KILLS` (50) kill points spread evenly over provision, upgrade,
//!    deploy and destroy: the command is started on a tenant that is ready for it, killed with
//!    SIGKILL after a delay drawn uniformly from zero to 1.2 times the command's median duration
//!    in phase 1 (seeded by `RELIABILITY_SEED`, so the points are reproducible), then run again
//!    (up to 5 runs) and the tenant checked against the state the command promises; then it is
//!    destroyed and checked gone.
//! 3. **Two processes at once.** `RELIABILITY_RACES` (20) rounds on one tenant: even rounds start
//!    two `deploy`s of different images at the same instant, odd rounds a `deploy` and an
//!    `upgrade` to the other tier. A **lost update** is a command that exited 0 whose change is
//!    not in the state after both ended: for two deploys, the final image is neither's image when
//!    both succeeded, or is not the one successful deploy's image; for deploy + upgrade, a
//!    successful deploy's image or a successful upgrade's tier is missing. A command that fails
//!    (for example exit 4, the lease held by the other) is not a lost update; it is counted apart.
//!
//! Counted from the state: **orphans** (a machine, volume, IP or certificate of an app that
//! does not exist; an app of no tenant; a volume no live machine mounts; anything left after a
//! destroy that exited 0), **duplicates** (a tenant app with more than one machine or volume)
//! and **leases left held** (a machine lease not yet expired once the commands on it ended).
//!
//! Target: every tenant converges, 0 orphans, 0 duplicates, 0 lost updates.
#![allow(clippy::print_stdout)]

#[path = "reliability/world.rs"]
mod world;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Result;

use world::{
    Attempt, Expect, IMAGE_1, IMAGE_2, MAX_ATTEMPTS, Runs, Verdict, World, app_of, args, check,
    global_orphans, ms, percentile, tally,
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// splitmix64: a small seeded generator, so the kill points are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Runs `work(i)` for i in 0..n on `workers` threads.
fn parallel(n: usize, workers: usize, work: impl Fn(usize) + Sync) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.max(1) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= n {
                        break;
                    }
                    work(i);
                }
            });
        }
    });
}

/// Figures of one command over every tenant.
#[derive(Default)]
struct CommandStats {
    tenants: usize,
    first_failed: usize,
    rerun: usize,
    never_ok: usize,
    attempts: usize,
    panics: usize,
    durations_ms: Vec<f64>,
    /// Exit code and error line of failed runs (tenant ids replaced by `<t>`).
    failures: BTreeMap<String, usize>,
    /// Every run of a tenant whose command never succeeded: what to look at first.
    never: Vec<String>,
}

impl CommandStats {
    fn add(&mut self, runs: &Runs, tenant: &str) {
        self.tenants += 1;
        self.attempts += runs.attempts.len();
        if runs.attempts.first().is_some_and(|a| a.code != 0) {
            self.first_failed += 1;
        }
        if runs.attempts.len() > 1 {
            self.rerun += 1;
        }
        if !runs.ok {
            self.never_ok += 1;
            for (i, a) in runs.attempts.iter().enumerate() {
                let line = a.error.clone().unwrap_or_default();
                self.never
                    .push(format!("{tenant} run {}: exit {}: {line}", i + 1, a.code));
            }
        }
        for a in &runs.attempts {
            self.panics += usize::from(a.panicked);
            self.durations_ms.push(ms(a.elapsed));
            if a.code != 0 {
                tally(&mut self.failures, failure_key(a, tenant));
            }
        }
    }
}

fn failure_key(a: &Attempt, tenant: &str) -> String {
    let line = a
        .error
        .clone()
        .unwrap_or_else(|| "(no error line)".into())
        .replace(tenant, "<t>");
    // Machine and volume ids differ per tenant; keep the message's shape.
    let shape: String = line
        .split(' ')
        .map(|w| {
            if w.len() >= 10 && w.chars().filter(char::is_ascii_digit).count() >= 3 {
                "<id>"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ");
    let mut shape: String = shape.chars().take(150).collect();
    if line.chars().count() > 150 {
        shape.push('…');
    }
    format!("exit {}: {shape}", a.code)
}

#[derive(Default)]
struct Consistency {
    checked: usize,
    converged: usize,
    not_converged: Vec<String>,
    orphans: usize,
    duplicates: usize,
    leases_held: usize,
}

impl Consistency {
    fn add(&mut self, tenant: &str, what: &str, v: &Verdict) {
        self.checked += 1;
        if v.converged {
            self.converged += 1;
        } else {
            self.not_converged
                .push(format!("{tenant} {what}: {}", v.why.join(", ")));
        }
        self.orphans += v.orphans;
        self.duplicates += usize::from(v.duplicate);
        self.leases_held += v.leases_held;
    }
}

const COMMANDS: [&str; 5] = ["provision", "upgrade", "deploy", "backup", "destroy"];

fn command_args(command: &str, tenant: &str) -> Vec<String> {
    let domain = format!("{tenant}.bench.example.com");
    match command {
        "provision" => args(&[
            "provision",
            tenant,
            "--tier",
            "starter",
            "--domain",
            &domain,
        ]),
        "upgrade" => args(&["upgrade", tenant, "--tier", "pro", "--yes"]),
        "deploy" => args(&["deploy", tenant, "--image", IMAGE_2, "--yes"]),
        "backup" => args(&["backup", tenant]),
        _ => args(&["destroy", tenant, "--confirm", tenant, "--yes"]),
    }
}

fn done_code(command: &str) -> Option<i32> {
    (command == "destroy").then_some(3)
}

struct Phase1 {
    stats: BTreeMap<&'static str, CommandStats>,
    live: Consistency,
    gone: Consistency,
    tenants_converged: usize,
    wall: Duration,
}

fn phase_faults(world: &World, tenants: usize, workers: usize) -> Result<Phase1> {
    let stats: Mutex<BTreeMap<&'static str, CommandStats>> = Mutex::new(BTreeMap::new());
    let live = Mutex::new(Consistency::default());
    let gone = Mutex::new(Consistency::default());
    let converged = AtomicUsize::new(0);
    let started = Instant::now();
    parallel(tenants, workers, |i| {
        let tenant = format!("f-{i:03}");
        let mut all_ok = true;
        for command in COMMANDS {
            if command == "destroy" {
                let verdict = world.census().map(|c| {
                    check(
                        &c,
                        &tenant,
                        Expect::Live {
                            tier: "pro",
                            image: IMAGE_2,
                            volume_gb: 2,
                        },
                    )
                });
                match verdict {
                    Ok(v) => {
                        all_ok &= v.converged;
                        lock(&live).add(&tenant, "before destroy", &v);
                    }
                    Err(e) => {
                        all_ok = false;
                        lock(&live)
                            .not_converged
                            .push(format!("{tenant}: census: {e}"));
                    }
                }
            }
            let runs = world
                .run_until_ok(&command_args(command, &tenant), done_code(command))
                .unwrap_or_default();
            all_ok &= runs.ok;
            lock(&stats).entry(command).or_default().add(&runs, &tenant);
        }
        match world.census() {
            Ok(c) => {
                let v = check(&c, &tenant, Expect::Gone);
                all_ok &= v.converged;
                lock(&gone).add(&tenant, "after destroy", &v);
            }
            Err(e) => {
                all_ok = false;
                lock(&gone)
                    .not_converged
                    .push(format!("{tenant}: census: {e}"));
            }
        }
        if all_ok {
            converged.fetch_add(1, Ordering::SeqCst);
        }
    });
    Ok(Phase1 {
        stats: into_inner(stats),
        live: into_inner(live),
        gone: into_inner(gone),
        tenants_converged: converged.load(Ordering::SeqCst),
        wall: started.elapsed(),
    })
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn into_inner<T>(m: Mutex<T>) -> T {
    m.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// What a command promises once it has succeeded, on a tenant provisioned on starter.
fn promise(command: &str) -> Expect<'static> {
    match command {
        "provision" => Expect::Live {
            tier: "starter",
            image: IMAGE_1,
            volume_gb: 1,
        },
        "upgrade" => Expect::Live {
            tier: "pro",
            image: IMAGE_1,
            volume_gb: 2,
        },
        "deploy" => Expect::Live {
            tier: "starter",
            image: IMAGE_2,
            volume_gb: 1,
        },
        _ => Expect::Gone,
    }
}

#[derive(Default)]
struct Phase2 {
    points: usize,
    /// Per command: (kill points, killed while running, converged after the re-run).
    per_command: BTreeMap<&'static str, (usize, usize, usize)>,
    reruns_needed: usize,
    never_ok: usize,
    panics: usize,
    after_rerun: Consistency,
    after_destroy: Consistency,
    /// Owners of the leases held right after the re-run that are not the killed process's.
    other_lease_owners: Vec<String>,
    /// Leases still held right after the re-run, by the killed process (they expire on their
    /// 30 s TTL) and by anyone else.
    leases_of_killed: usize,
    setup_failures: usize,
    failures: BTreeMap<String, usize>,
    wall: Duration,
}

fn phase_kills(
    world: &World,
    points: usize,
    workers: usize,
    seed: u64,
    medians: &BTreeMap<&str, f64>,
) -> Result<Phase2> {
    const KILLED: [&str; 4] = ["provision", "upgrade", "deploy", "destroy"];
    let mut rng = Rng(seed);
    let plan: Vec<(&'static str, Duration)> = (0..points)
        .map(|k| {
            let command = KILLED[k % KILLED.len()];
            let span = medians.get(command).copied().unwrap_or(1500.0) * 1.2;
            (command, Duration::from_secs_f64(rng.unit() * span / 1000.0))
        })
        .collect();
    let out = Mutex::new(Phase2 {
        points,
        ..Phase2::default()
    });
    let started = Instant::now();
    parallel(points, workers, |k| {
        let (command, delay) = plan[k];
        let tenant = format!("k-{k:02}");
        let target = match command {
            "upgrade" => args(&["upgrade", &tenant, "--tier", "pro", "--yes"]),
            "deploy" => args(&["deploy", &tenant, "--image", IMAGE_2, "--yes"]),
            "destroy" => args(&["destroy", &tenant, "--confirm", &tenant, "--yes"]),
            _ => args(&["provision", &tenant, "--tier", "starter"]),
        };
        if command != "provision" {
            let setup =
                world.run_until_ok(&args(&["provision", &tenant, "--tier", "starter"]), None);
            if !setup.as_ref().is_ok_and(|r| r.ok) {
                lock(&out).setup_failures += 1;
                return;
            }
        }
        // Kill it.
        let Ok(mut child) = world.spawn(&target) else {
            lock(&out).setup_failures += 1;
            return;
        };
        let pid = child.id();
        std::thread::sleep(delay);
        let was_running = matches!(child.try_wait(), Ok(None));
        let _ = child.kill();
        let _ = child.wait();
        // Run it again until it succeeds; after a kill, a destroy finding the tenant gone is
        // done.
        let mut runs = Runs::default();
        while runs.attempts.len() < MAX_ATTEMPTS as usize {
            let Ok(attempt) = world.run_once(&target) else {
                break;
            };
            let ok = attempt.code == 0 || Some(attempt.code) == done_code(command);
            runs.attempts.push(attempt);
            if ok {
                runs.ok = true;
                break;
            }
        }
        let census = world.census();
        let mut o = lock(&out);
        let entry = o.per_command.entry(command).or_default();
        entry.0 += 1;
        entry.1 += usize::from(was_running);
        o.reruns_needed += usize::from(runs.attempts.len() > 1);
        o.never_ok += usize::from(!runs.ok);
        for a in runs.attempts.iter().filter(|a| a.code != 0) {
            o.panics += usize::from(a.panicked);
            tally(&mut o.failures, failure_key(a, &tenant));
        }
        match census {
            Ok(c) => {
                let v = check(&c, &tenant, promise(command));
                let killed_owner = format!("pid {pid})");
                o.leases_of_killed += c
                    .machines
                    .iter()
                    .filter(|m| {
                        m.app == app_of(&tenant)
                            && m.lease_owner
                                .as_ref()
                                .is_some_and(|w| w.contains(&killed_owner))
                    })
                    .count();
                // Who holds the others, to tell a slow release from a leak.
                for m in c.machines.iter().filter(|m| m.app == app_of(&tenant)) {
                    if let Some(owner) = m
                        .lease_owner
                        .as_ref()
                        .filter(|w| !w.contains(&killed_owner))
                    {
                        o.other_lease_owners
                            .push(format!("{tenant} after killed {command}: {owner}"));
                    }
                }
                if v.converged && runs.ok {
                    o.per_command.entry(command).or_default().2 += 1;
                }
                o.after_rerun
                    .add(&tenant, &format!("after killed {command}"), &v);
            }
            Err(e) => o
                .after_rerun
                .not_converged
                .push(format!("{tenant}: census: {e}")),
        }
        drop(o);
        if command != "destroy" {
            let target = args(&[
                "destroy",
                &tenant,
                "--confirm",
                &tenant,
                "--yes",
                "--skip-final-backup",
            ]);
            let _ = world.run_until_ok(&target, Some(3));
        }
        if let Ok(c) = world.census() {
            let v = check(&c, &tenant, Expect::Gone);
            lock(&out).after_destroy.add(&tenant, "after destroy", &v);
        }
    });
    let mut out = into_inner(out);
    out.wall = started.elapsed();
    Ok(out)
}

#[derive(Default)]
struct Phase3 {
    rounds: usize,
    both_ok: usize,
    one_failed: usize,
    both_failed: usize,
    lost_updates: usize,
    lost: Vec<String>,
    unhealthy_after: usize,
    duplicates: usize,
    failures: BTreeMap<String, usize>,
    panics: usize,
    wall: Duration,
}

fn phase_races(world: &World, rounds: usize) -> Result<Phase3> {
    let tenant = "race";
    let mut out = Phase3 {
        rounds,
        ..Phase3::default()
    };
    let started = Instant::now();
    let setup = world.run_until_ok(&args(&["provision", tenant, "--tier", "small"]), None)?;
    if !setup.ok {
        println!("  races: could not provision the tenant; skipped");
        return Ok(out);
    }
    for r in 0..rounds {
        let census = world.census()?;
        let machine = census
            .machines
            .iter()
            .find(|m| m.app == app_of(tenant) && m.state != "destroyed");
        let tier_now = machine
            .and_then(|m| m.config["metadata"]["tenantctl_tier"].as_str())
            .unwrap_or("small")
            .to_string();
        let other_tier = if tier_now == "small" {
            "large"
        } else {
            "small"
        };
        let image_a = format!("registry.fly.io/bench:race-{r}-a");
        let image_b = format!("registry.fly.io/bench:race-{r}-b");
        let a = args(&["deploy", tenant, "--image", &image_a, "--yes"]);
        let b = if r % 2 == 0 {
            args(&["deploy", tenant, "--image", &image_b, "--yes"])
        } else {
            args(&["upgrade", tenant, "--tier", other_tier, "--yes"])
        };
        let (ra, rb) = std::thread::scope(|s| {
            let ha = s.spawn(|| world.run_once(&a));
            let hb = s.spawn(|| world.run_once(&b));
            (ha.join(), hb.join())
        });
        let (Ok(Ok(ra)), Ok(Ok(rb))) = (ra, rb) else {
            anyhow::bail!("a race command did not run");
        };
        for x in [&ra, &rb] {
            out.panics += usize::from(x.panicked);
            if x.code != 0 {
                tally(&mut out.failures, failure_key(x, tenant));
            }
        }
        let (ok_a, ok_b) = (ra.code == 0, rb.code == 0);
        match (ok_a, ok_b) {
            (true, true) => out.both_ok += 1,
            (false, false) => out.both_failed += 1,
            _ => out.one_failed += 1,
        }
        let census = world.census()?;
        let machines: Vec<_> = census
            .machines
            .iter()
            .filter(|m| {
                m.app == app_of(tenant) && !matches!(m.state.as_str(), "destroying" | "destroyed")
            })
            .collect();
        if machines.len() != 1 {
            out.duplicates += 1;
            out.lost
                .push(format!("round {r}: {} machines", machines.len()));
            continue;
        }
        let m = machines[0];
        if m.state != "started" || m.checks_failing {
            out.unhealthy_after += 1;
        }
        let image = m.config["image"].as_str().unwrap_or("");
        let tier = m.config["metadata"]["tenantctl_tier"]
            .as_str()
            .unwrap_or("");
        let lost = if r % 2 == 0 {
            match (ok_a, ok_b) {
                (true, true) => image != image_a && image != image_b,
                (true, false) => image != image_a,
                (false, true) => image != image_b,
                (false, false) => false,
            }
        } else {
            (ok_a && image != image_a) || (ok_b && tier != other_tier)
        };
        if lost {
            out.lost_updates += 1;
            out.lost.push(format!(
                "round {r} ({}): exits {} and {}, final image {image}, tier {tier}",
                if r % 2 == 0 {
                    "deploy + deploy"
                } else {
                    "deploy + upgrade"
                },
                ra.code,
                rb.code
            ));
        }
    }
    let _ = world.run_until_ok(
        &args(&["destroy", tenant, "--confirm", tenant, "--yes"]),
        Some(3),
    );
    out.wall = started.elapsed();
    Ok(out)
}

fn print_failures(failures: &BTreeMap<String, usize>) {
    let mut sorted: Vec<_> = failures.iter().collect();
    sorted.sort_by(|a, b| b.1.cmp(a.1));
    for (what, n) in sorted.iter().take(12) {
        println!("      {n:>4} x {what}");
    }
    if sorted.len() > 12 {
        println!("      ... and {} more kinds", sorted.len() - 12);
    }
}

fn print_consistency(label: &str, c: &Consistency) {
    println!(
        "  {label}: {}/{} converged, {} orphans, {} duplicates, {} leases held",
        c.converged, c.checked, c.orphans, c.duplicates, c.leases_held
    );
    for line in c.not_converged.iter().take(10) {
        println!("      not converged: {line}");
    }
    if c.not_converged.len() > 10 {
        println!("      ... and {} more", c.not_converged.len() - 10);
    }
}

fn main() -> Result<()> {
    let tenants = env_usize("RELIABILITY_TENANTS", 200);
    let workers = env_usize("RELIABILITY_CONCURRENCY", 8);
    let kills = env_usize("RELIABILITY_KILLS", 50);
    let races = env_usize("RELIABILITY_RACES", 20);
    let seed = env_usize("RELIABILITY_SEED", 11) as u64;
    println!(
        "reliability bench: {tenants} tenants at concurrency {workers}, {kills} kill points, {races} race rounds, seed {seed}"
    );
    println!(
        "  faults: 1.5% each of 500/502/503/429 (Retry-After 1 s)/reset, 2.5% slow (+300 ms) per API call; 10% of boots fail their checks; up to {MAX_ATTEMPTS} runs per command"
    );
    let world = World::start(world::fault_profile(seed))?;
    let started = Instant::now();

    let p1 = phase_faults(&world, tenants, workers)?;
    println!(
        "\n1. faults: {tenants} tenants x 5 commands in {:.1} s",
        p1.wall.as_secs_f64()
    );
    let mut medians = BTreeMap::new();
    for command in COMMANDS {
        let Some(s) = p1.stats.get(command) else {
            continue;
        };
        let mut durations = s.durations_ms.clone();
        let median = percentile(&mut durations, 0.5);
        let p95 = percentile(&mut durations, 0.95);
        medians.insert(command, median);
        println!(
            "  {command:<9} first run failed {:>3}/{} | re-run {:>3} | never succeeded {} | runs {} | panics {} | median {median:.0} ms, p95 {p95:.0} ms",
            s.first_failed, s.tenants, s.rerun, s.never_ok, s.attempts, s.panics
        );
        for line in &s.never {
            println!("      never succeeded: {line}");
        }
    }
    let mut failures = BTreeMap::new();
    for s in p1.stats.values() {
        for (k, n) in &s.failures {
            *failures.entry(k.clone()).or_default() += n;
        }
    }
    if !failures.is_empty() {
        println!("    failed runs by error:");
        print_failures(&failures);
    }
    print_consistency("before destroy", &p1.live);
    print_consistency("after destroy ", &p1.gone);
    println!(
        "  tenants converged (every command succeeded, both checks passed): {}/{tenants}",
        p1.tenants_converged
    );

    let p2 = phase_kills(&world, kills, workers, seed, &medians)?;
    println!(
        "\n2. SIGKILL: {} kill points in {:.1} s",
        p2.points,
        p2.wall.as_secs_f64()
    );
    for (command, (n, running, converged)) in &p2.per_command {
        println!(
            "  {command:<9} {n:>2} kills ({running} while running) | converged after the re-run {converged}/{n}"
        );
    }
    println!(
        "  re-runs that needed more than one run {} | never succeeded {} | panics {} | setup failures {}",
        p2.reruns_needed, p2.never_ok, p2.panics, p2.setup_failures
    );
    if !p2.failures.is_empty() {
        println!("    failed re-runs by error:");
        print_failures(&p2.failures);
    }
    print_consistency("after the re-run", &p2.after_rerun);
    for owner in &p2.other_lease_owners {
        println!("      lease held after the re-run: {owner}");
    }
    println!(
        "    of the leases held after the re-run, {} are the killed process's (they expire on their 30 s TTL)",
        p2.leases_of_killed
    );
    print_consistency("after destroy   ", &p2.after_destroy);

    let p3 = phase_races(&world, races)?;
    println!(
        "\n3. two processes on one tenant: {} rounds in {:.1} s",
        p3.rounds,
        p3.wall.as_secs_f64()
    );
    println!(
        "  both succeeded {} | one failed {} | both failed {} | unhealthy after {} | more than one machine {} | panics {}",
        p3.both_ok, p3.one_failed, p3.both_failed, p3.unhealthy_after, p3.duplicates, p3.panics
    );
    if !p3.failures.is_empty() {
        println!("    failed runs by error:");
        print_failures(&p3.failures);
    }
    println!("  lost updates: {}", p3.lost_updates);
    for line in &p3.lost {
        println!("      {line}");
    }

    // The whole state at the end: every tenant was destroyed.
    let census = world.census()?;
    let orphans = global_orphans(&census, &[]);
    let held = census
        .machines
        .iter()
        .filter(|m| m.lease_owner.is_some())
        .count();
    println!(
        "\nend state: {} apps, {} machines, {} volumes, {} IPs, {} certificates, {held} leases held",
        census.apps.len(),
        census.machines.len(),
        census.volumes.len(),
        census.ips.len(),
        census.certs.len()
    );
    for (what, n) in &orphans {
        println!("  orphan: {n} x {what}");
    }

    let all_converged = p1.tenants_converged == tenants
        && p2.after_rerun.converged == p2.after_rerun.checked
        && p2.after_rerun.checked == kills
        && p2.after_destroy.converged == p2.after_destroy.checked;
    let orphans_total = p1.live.orphans
        + p1.gone.orphans
        + p2.after_rerun.orphans
        + p2.after_destroy.orphans
        + orphans.values().sum::<usize>();
    let duplicates = p1.live.duplicates + p2.after_rerun.duplicates + p3.duplicates;
    println!(
        "\nsummary: converged {} | orphans {orphans_total} | duplicates {duplicates} | lost updates {} | leases held at the end {held} | {:.1} s",
        if all_converged { "all" } else { "NOT all" },
        p3.lost_updates,
        started.elapsed().as_secs_f64()
    );
    let met = all_converged && orphans_total == 0 && duplicates == 0 && p3.lost_updates == 0;
    println!(
        "target (every tenant converges, 0 orphans, 0 duplicates, 0 lost updates): {}",
        if met { "MET" } else { "MISSED" }
    );
    world.runtime.block_on(async {});
    Ok(())
}
