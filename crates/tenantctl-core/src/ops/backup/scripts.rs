//! The shell scripts a backup and a restore run inside the tenant's machine.
//!
//! Only POSIX sh, coreutils (`wc`, `dd`, `sha256sum` or `shasum`), `tar` and `curl` are
//! assumed. Presigned URLs reach the machine on the exec's stdin, never in its command line,
//! and curl reads each one from a config on its own stdin, so no URL shows in a process list;
//! uploads are `curl -T FILE`, which always sends a Content-Length (S3 and R2 refuse a
//! chunked upload).

use crate::config::Backup;
use crate::shell::quote;

/// Exit code the scripts use when a tool they need is not in the image.
pub const MISSING_TOOL: i32 = 127;

/// Dump and hash helpers shared by every script.
const PRELUDE: &str = r#"set -eu
umask 077
sha() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then shasum -a 256 "$1" | cut -d' ' -f1
  else echo "tenantctl: neither sha256sum nor shasum is installed in the machine" >&2; exit 127
  fi
}
size() { wc -c < "$1" | tr -d ' '; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "tenantctl: \`$1\` is not installed in the machine" >&2; exit 127; }; }
"#;

/// Where a backup's files wait in the machine: one directory per app, so a new backup first
/// removes what an interrupted one left.
pub fn work_dir(backup: &Backup, app: &str, id: &str) -> (String, String) {
    let base = format!("{}/{app}", backup.scratch_dir.trim_end_matches('/'));
    let dir = format!("{base}/{id}");
    (base, dir)
}

/// Argv with `{file}` replaced, quoted into one shell command line.
fn command_line(argv: &[String], file: &str) -> String {
    argv.iter()
        .map(|a| quote(&a.replace("{file}", file)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Paths to archive, relative to `/`, as tar arguments set one by one (so a path with spaces
/// stays one word); missing paths are skipped, an empty archive is still an archive.
fn tar_create(paths: &[String], file: &str) -> String {
    let mut script = String::from("need tar\nset --\n");
    for path in paths {
        let rel = path.trim_start_matches('/');
        script.push_str(&format!(
            "if [ -e {abs} ]; then set -- \"$@\" {rel}; fi\n",
            abs = quote(path),
            rel = quote(rel)
        ));
    }
    script.push_str(&format!(
        "if [ \"$#\" -gt 0 ]; then tar -czf {f} -C / \"$@\"; else tar -czf {f} -T /dev/null; fi\n",
        f = quote(file)
    ));
    script
}

/// Dumps the database and archives the files into the work dir, then prints one line per
/// object: `object NAME KIND SIZE SHA256`.
pub fn dump(backup: &Backup, app: &str, id: &str) -> String {
    let (base, dir) = work_dir(backup, app, id);
    let mut script = String::from(PRELUDE);
    script.push_str(&format!(
        "rm -rf {base}\nmkdir -p {dir}\n",
        base = quote(&base),
        dir = quote(&dir)
    ));
    let mut objects = Vec::new();
    if let Some(db) = &backup.database {
        let file = format!("{dir}/{}", db.name);
        script.push_str(&command_line(&db.dump, &file));
        script.push('\n');
        script.push_str(&format!(
            "[ -f {f} ] || {{ echo \"tenantctl: the dump command exited 0 but wrote no {name}\" >&2; exit 1; }}\n",
            f = quote(&file),
            name = db.name
        ));
        objects.push((db.name.clone(), "database", file));
    }
    if let Some(files) = &backup.files {
        let file = format!("{dir}/{}", files.name);
        script.push_str(&tar_create(&files.paths, &file));
        objects.push((files.name.clone(), "files", file));
    }
    for (name, kind, file) in objects {
        script.push_str(&format!(
            "echo \"object {name} {kind} $(size {f}) $(sha {f})\"\n",
            f = quote(&file)
        ));
    }
    script
}

/// One upload the machine makes.
pub enum Upload<'a> {
    /// The whole file in one PUT, with its signed sha256 header.
    Whole {
        name: &'a str,
        sha256: &'a str,
        url: &'a str,
    },
    /// One part of a multipart upload: `count_mib` MiB starting at MiB `skip_mib`.
    Part {
        name: &'a str,
        number: u16,
        skip_mib: u64,
        count_mib: u64,
        url: &'a str,
    },
}

/// The exec's stdin for [`upload`]: one instruction per line.
pub fn upload_input(uploads: &[Upload<'_>]) -> String {
    let mut input = String::new();
    for upload in uploads {
        match upload {
            Upload::Whole { name, sha256, url } => {
                input.push_str(&format!("put {name} {sha256} {url}\n"))
            }
            Upload::Part {
                name,
                number,
                skip_mib,
                count_mib,
                url,
            } => input.push_str(&format!(
                "part {name} {number} {skip_mib} {count_mib} {url}\n"
            )),
        }
    }
    input
}

/// Curl with its URL from stdin; answers the HTTP status, and the storage's error body on
/// stderr when it is not 2xx.
const TRANSFER: &str = r#"need curl
transfer() {
  url="$1"; out="$2"; shift 2
  code=$(printf 'url = "%s"\n' "$url" | curl -sS --retry 3 --retry-delay 1 -K - -o "$out" -w '%{http_code}' "$@") || {
    echo "tenantctl: curl could not reach the storage" >&2; return 1; }
  case "$code" in
    2*) ;;
    *) echo "storage answered HTTP $code: $(head -c 600 "$out" 2>/dev/null)" >&2; return 1 ;;
  esac
}
"#;

/// Uploads what stdin lists from the work dir and removes the work dir on every path;
/// prints `etag NAME PART ETAG` for each part.
pub fn upload(backup: &Backup, app: &str, id: &str) -> String {
    let (base, dir) = work_dir(backup, app, id);
    let mut script = String::from(PRELUDE);
    script.push_str(&format!(
        "dir={dir}\ntrap 'rm -rf {base}' EXIT\n",
        dir = quote(&dir),
        base = quote(&base)
    ));
    script.push_str(TRANSFER);
    script.push_str(
        r#"while read -r op name a b c d; do
  case "$op" in
    put)
      transfer "$b" "$dir/.response" -X PUT -H "x-amz-meta-sha256: $a" -T "$dir/$name" ;;
    part)
      dd if="$dir/$name" of="$dir/.part" bs=1048576 skip="$b" count="$c" 2>/dev/null
      transfer "$d" "$dir/.response" -X PUT -T "$dir/.part" -D "$dir/.headers"
      etag=$(grep -i '^etag:' "$dir/.headers" | tail -n 1 | cut -d' ' -f2- | tr -d '\r"')
      echo "etag $name $a $etag" ;;
  esac
done
"#,
    );
    script
}

/// One download the restore makes: object name, expected sha256 and size, presigned GET.
pub struct Download<'a> {
    pub name: &'a str,
    pub sha256: &'a str,
    pub size: u64,
    pub url: &'a str,
}

pub fn download_input(downloads: &[Download<'_>]) -> String {
    downloads
        .iter()
        .map(|d| format!("get {} {} {} {}\n", d.name, d.sha256, d.size, d.url))
        .collect()
}

/// Downloads the objects stdin lists, checks each one's size and sha256, then runs the
/// database restore command and puts the files back; removes the work dir on every path.
/// Nothing is restored unless every download checked out.
pub fn restore(backup: &Backup, app: &str, id: &str) -> String {
    let (base, dir) = work_dir(backup, app, id);
    let mut script = String::from(PRELUDE);
    script.push_str(&format!(
        "rm -rf {base}\nmkdir -p {dir}\ndir={dir}\ntrap 'rm -rf {base}' EXIT\n",
        base = quote(&base),
        dir = quote(&dir)
    ));
    script.push_str(TRANSFER);
    script.push_str(
        r#"while read -r op name sum len url; do
  [ "$op" = get ] || continue
  transfer "$url" "$dir/$name"
  got=$(size "$dir/$name")
  [ "$got" = "$len" ] || { echo "tenantctl: $name downloaded with $got bytes, the manifest says $len; nothing was restored" >&2; exit 1; }
  [ "$(sha "$dir/$name")" = "$sum" ] || { echo "tenantctl: $name does not match its sha256 in the manifest; nothing was restored" >&2; exit 1; }
done
echo "downloaded"
"#,
    );
    if let Some(db) = &backup.database {
        let file = format!("{dir}/{}", db.name);
        script.push_str(&command_line(&db.restore, &file));
        script.push_str("\necho \"restored database\"\n");
    }
    if let Some(files) = &backup.files {
        let file = format!("{dir}/{}", files.name);
        // Unpack beside the live files first, then swap each path, so a failing unpack
        // leaves the live files as they were.
        script.push_str(&format!(
            "need tar\nmkdir -p \"$dir/files\"\ntar -xzf {f} -C \"$dir/files\"\n",
            f = quote(&file)
        ));
        for path in &files.paths {
            let rel = path.trim_start_matches('/');
            script.push_str(&format!(
                "rm -rf {abs}\nif [ -e \"$dir/files/\"{rel} ]; then mkdir -p \"$(dirname {abs})\"; mv \"$dir/files/\"{rel} {abs}; fi\n",
                abs = quote(path),
                rel = quote(rel)
            ));
        }
        script.push_str("echo \"restored files\"\n");
    }
    script
}

/// A line of the dump's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dumped {
    pub name: String,
    pub kind: String,
    pub size: u64,
    pub sha256: String,
}

pub fn parse_dumped(stdout: &str) -> Vec<Dumped> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "object").then_some(())?;
            let name = words.next()?.to_string();
            let kind = words.next()?.to_string();
            let size = words.next()?.parse().ok()?;
            let sha256 = words.next()?.to_string();
            (sha256.len() == 64).then_some(Dumped {
                name,
                kind,
                size,
                sha256,
            })
        })
        .collect()
}

/// `(object name, part number, etag)` lines of the upload's output.
pub fn parse_etags(stdout: &str) -> Vec<(String, u16, String)> {
    stdout
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            (words.next()? == "etag").then_some(())?;
            let name = words.next()?.to_string();
            let part = words.next()?.parse().ok()?;
            let etag = words.next()?.to_string();
            Some((name, part, etag))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn backup() -> Backup {
        toml::from_str(
            r#"
            [database]
            name = "site.db"
            dump = ["sqlite3", "/data/site.db", ".backup '{file}'"]
            restore = ["cp", "{file}", "/data/site.db"]
            [files]
            paths = ["/data/files", "/data/my uploads"]
            "#,
        )
        .unwrap()
    }

    #[test]
    fn dump_quotes_argv_and_lists_objects() {
        let script = dump(&backup(), "tenant-acme", "20261207T030000Z-00aa");
        assert!(
            script.contains("rm -rf /tmp/tenantctl-backup/tenant-acme\n"),
            "{script}"
        );
        assert!(script.contains("'.backup '\\''/tmp/tenantctl-backup/tenant-acme/20261207T030000Z-00aa/site.db'\\'''"), "{script}");
        assert!(
            script.contains("set -- \"$@\" 'data/my uploads'"),
            "{script}"
        );
        assert!(
            script.contains("echo \"object site.db database"),
            "{script}"
        );
    }

    #[test]
    fn outputs_parse_and_junk_is_ignored() {
        let sha = "a".repeat(64);
        let out = format!("noise\nobject site.db database 12 {sha}\nobject x y z {sha}\n");
        let dumped = parse_dumped(&out);
        assert_eq!(dumped.len(), 1);
        assert_eq!(dumped[0].size, 12);
        assert_eq!(
            parse_etags("etag files.tar.gz 2 abc\netag bad\n"),
            [("files.tar.gz".to_string(), 2, "abc".to_string())]
        );
    }

    #[test]
    fn urls_only_travel_on_stdin() {
        let script = upload(&backup(), "a", "i");
        assert!(!script.contains("://"), "{script}");
        let input = upload_input(&[Upload::Whole {
            name: "site.db",
            sha256: "abc",
            url: "http://x/y?sig",
        }]);
        assert_eq!(input, "put site.db abc http://x/y?sig\n");
    }
}
