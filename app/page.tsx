export const dynamic = "force-dynamic";

export default function DashboardPage() {
  return (
    <section aria-labelledby="dashboard-title" className="space-y-6">
      <div>
        <h1 id="dashboard-title" className="text-2xl font-semibold tracking-tight">
          Your agents
        </h1>
        <p className="mt-1 text-sm text-ink-muted">
          Agents work in a private workspace of their own: they write and run code, build spreadsheets and charts, and explain what
          they did.
        </p>
      </div>
      <div className="rounded-card border border-dashed border-border bg-surface p-10 text-center shadow-card">
        <h2 className="text-base font-medium">No agents yet</h2>
        <p className="mt-2 text-sm text-ink-muted">Create your first agent to analyse a spreadsheet, summarise a web page or make a chart.</p>
      </div>
    </section>
  );
}
