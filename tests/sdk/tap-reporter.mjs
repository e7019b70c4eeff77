// tap-reporter.mjs - a node:test reporter that writes plain TAP: one
// "ok N - name" / "not ok N - name" line per test case, failure details as
// "# " comment lines, the plan at the end. Node's own TAP reporter puts YAML
// blocks with blank lines after failures, which some TAP consumers (meson
// 1.0 among them) reject; comments are read by all of them.
//
// Test cases are the leaves: a test (or a per-file wrapper, as older Node
// versions add) whose subtests were reported is not counted again, unless it
// failed on its own (a failing hook) while all its subtests passed.
export default async function* tapReporter(source) {
  yield 'TAP version 13\n';
  let count = 0;
  const childSeen = []; // childSeen[n]: a test at nesting n ended since its parent started
  const childFailed = [];
  const comment = (text) =>
    String(text)
      .split('\n')
      .map((l) => `# ${l}`.trimEnd())
      .join('\n') + '\n';
  for await (const { type, data } of source) {
    if (type === 'test:pass' || type === 'test:fail') {
      const n = data.nesting ?? 0;
      const failed = type === 'test:fail';
      const parent = Boolean(childSeen[n + 1]);
      const parentOwnFailure = parent && failed && !childFailed[n + 1];
      childSeen[n + 1] = false;
      childFailed[n + 1] = false;
      childSeen[n] = true;
      childFailed[n] = childFailed[n] || failed;
      if (parent && !parentOwnFailure) continue;
      count += 1;
      const name = String(data.name).replace(/[\r\n#]/g, ' ');
      const skip = data.skip !== undefined ? ' # SKIP' : data.todo !== undefined ? ' # TODO' : '';
      yield `${failed ? 'not ok' : 'ok'} ${count} - ${name}${skip}\n`;
      if (failed) {
        const err = data.details?.error;
        const cause = err?.cause ?? err;
        yield comment(cause?.stack ?? cause?.message ?? cause ?? 'failed');
      }
    } else if (type === 'test:diagnostic') {
      yield comment(data.message);
    } else if (type === 'test:stdout' || type === 'test:stderr') {
      yield comment(String(data.message).trimEnd());
    }
  }
  yield `1..${count}\n`;
}
