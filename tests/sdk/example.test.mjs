// example.test.mjs - the README's CI recipe (examples/ci-recipe.sh) running
// the TypeScript example (examples/report.mjs) as its test, the way a CI job
// would: the mock in the background on port 0, the example polling until the
// report finished and saving its CSV and PDF, and the journal saved as HAR.
//
// Run by run-sdk-tests.sh: ISC_MOCK_BIN names the server binary and
// ISC_SDK_PREFIX the folder whose node_modules holds the SDK. The example is
// copied there so that its `import 'sailpoint-api-client'` resolves as it
// does in a user's project.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

test('the CI recipe runs the TypeScript example and keeps the journal as HAR', () => {
  const prefix = path.resolve(process.env.ISC_SDK_PREFIX);
  const example = path.join(prefix, 'report-example.mjs');
  copyFileSync(path.join(root, 'examples', 'report.mjs'), example);
  const work = mkdtempSync(path.join(os.tmpdir(), 'isc-recipe-'));
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(ISC_MOCK_|https?_proxy|HTTPS?_PROXY|all_proxy|ALL_PROXY)/.test(k)),
  );
  env.MOCK = process.env.ISC_MOCK_BIN;
  env.ARTIFACTS = path.join(work, 'artifacts');
  try {
    const run = spawnSync('bash', [path.join(root, 'examples', 'ci-recipe.sh'), 'node', example], {
      cwd: work,
      env,
      encoding: 'utf8',
      timeout: 120000,
    });
    assert.equal(run.status, 0, `recipe failed:\n${run.stdout}\n${run.stderr}`);
    assert.match(run.stdout, /finished: SUCCESS, 290 rows/);
    const csv = readFileSync(path.join(work, 'identities.csv'), 'utf8');
    assert.equal(csv.trimEnd().split('\r\n').length, 291, 'header and 290 rows');
    assert.equal(readFileSync(path.join(work, 'identities.pdf')).subarray(0, 5).toString(), '%PDF-');
    const har = JSON.parse(readFileSync(path.join(env.ARTIFACTS, 'journal.har'), 'utf8'));
    assert.equal(har.log.version, '1.2');
    const ops = har.log.entries.map((e) => e._operation);
    for (const op of ['createOauthToken', 'startReport', 'getReportResult', 'getReport']) {
      assert.ok(ops.includes(op), `${op} missing from the HAR: ${ops}`);
    }
    assert.ok(!JSON.stringify(har).includes('demo-admin-secret'), 'a secret in the HAR');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
