namespace Licenz.Server.Dashboard;

/// <summary>The dashboard's stylesheet, served by the server itself (no external assets).</summary>
internal static class DashboardStyles
{
    public const string Css = """
        :root { --ink: #1d2330; --muted: #5c6577; --line: #dde2ea; --accent: #2f5bd3; --danger: #b3261e; --ok: #1b7f3b; --bg: #f6f7fa; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
        header { display: flex; align-items: center; gap: 2rem; padding: .75rem 2rem; background: #fff; border-bottom: 1px solid var(--line); }
        header .brand { font-weight: 700; letter-spacing: .02em; }
        nav a { margin-right: 1.25rem; color: var(--muted); text-decoration: none; }
        nav a[aria-current="page"] { color: var(--ink); font-weight: 600; }
        header form { margin-left: auto; }
        main { max-width: 980px; margin: 2rem auto; padding: 0 2rem; }
        h1 { font-size: 1.5rem; margin: 0 0 1rem; }
        h2 { font-size: 1.1rem; margin: 2rem 0 .75rem; }
        .crumbs { color: var(--muted); margin-bottom: .25rem; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1.25rem 1.5rem; margin-bottom: 1.5rem; }
        .stats { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 1rem; }
        .stat b { display: block; font-size: 1.75rem; }
        table { width: 100%; border-collapse: collapse; background: #fff; }
        th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid var(--line); vertical-align: middle; }
        th { font-size: .8rem; text-transform: uppercase; color: var(--muted); letter-spacing: .04em; }
        code, .secret { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace; font-size: .9em; }
        label { display: block; font-weight: 600; margin: .75rem 0 .25rem; }
        input, select { font: inherit; padding: .45rem .6rem; border: 1px solid var(--line); border-radius: 6px; width: 100%; max-width: 420px; }
        button { font: inherit; padding: .45rem 1rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; margin-top: 1rem; }
        button.link { background: none; border: none; color: var(--muted); padding: 0; margin: 0; }
        button.danger { background: #fff; color: var(--danger); border-color: var(--danger); margin: 0; padding: .25rem .7rem; }
        .notice { border-left: 4px solid var(--ok); }
        .error { border-left: 4px solid var(--danger); color: var(--danger); }
        .secret { display: block; padding: .6rem; background: var(--bg); border: 1px dashed var(--muted); border-radius: 6px; word-break: break-all; user-select: all; }
        .status-active { color: var(--ok); } .status-revoked, .status-expired { color: var(--danger); }
        .muted { color: var(--muted); }
        """;
}
