// report.mjs - a report with the official TypeScript SDK (npm
// sailpoint-api-client): start it, poll until it has finished, then download
// it as CSV and as PDF into the current folder.
//
//   npm install sailpoint-api-client
//   SAIL_BASE_URL=http://127.0.0.1:7100 node report.mjs
//
// SAIL_CLIENT_ID and SAIL_CLIENT_SECRET default to the demo client demo-admin.
import { writeFileSync } from 'node:fs';
import { Configuration, ReportsDataExtractionV2024Api } from 'sailpoint-api-client';

const base = process.env.SAIL_BASE_URL ?? 'http://127.0.0.1:7100';
const config = new Configuration({
  baseurl: base,
  tokenUrl: `${base}/oauth/token`,
  clientId: process.env.SAIL_CLIENT_ID ?? 'demo-admin',
  clientSecret: process.env.SAIL_CLIENT_SECRET ?? 'demo-admin-secret',
});
await config.accessToken; // the token request starts in the constructor
const api = new ReportsDataExtractionV2024Api(config);

const { data: task } = await api.startReport({
  reportDetailsV2024: { reportType: 'IDENTITIES', arguments: { correlatedOnly: true } },
});
console.log(`started ${task.id}`);

// A report runs for a while: poll until its result has a status, for a minute at most.
const deadline = Date.now() + 60_000;
let result;
do {
  if (Date.now() > deadline) throw new Error(`report ${task.id} did not finish within a minute`);
  await new Promise((resolve) => setTimeout(resolve, 500));
  ({ data: result } = await api.getReportResult({ taskResultId: task.id }));
} while (!result.status);
console.log(`finished: ${result.status}, ${result.rows} rows`);
if (result.status !== 'SUCCESS' && result.status !== 'WARNING') process.exit(1);

// responseType 'arraybuffer', or binary files (the PDF) arrive as corrupted strings.
for (const fileFormat of ['csv', 'pdf']) {
  const file = await api.getReport({ taskResultId: task.id, fileFormat },
                                   { responseType: 'arraybuffer' });
  writeFileSync(`identities.${fileFormat}`, Buffer.from(file.data));
  console.log(`saved identities.${fileFormat} (${file.data.byteLength} bytes)`);
}
