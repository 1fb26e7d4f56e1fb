"""The kept reports (issue 22 section 4): daily, weekly and monthly reports built by the run
as of T, kept per date under `<home>/reports/<T>/` (an xlsx, a Parquet snapshot and a manifest
with the snapshot's SHA-256 per report and unit).

- `model`: a report's registration (`report`) and content (`Sheet`, `Column`, `Chart`);
- `excel`: the workbook writer (xlsxwriter, constant memory), shared with the web's exports;
- `keep`: what is due as of T, the snapshot, the hash, the manifest, the atomic swap;
- `builtin`: the built-in reports; `steps`: the run step "reports".
"""
