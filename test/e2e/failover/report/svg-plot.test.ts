// The plot's bytes (golden), and the SVG read back by a real XML parser (python3's).
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { run } from '../../../helpers/tools.js';
import { expectGolden } from '../fixtures/golden.js';
import { syntheticRun } from '../fixtures/synthetic-run.js';
import { phaseSeries } from './series.js';
import { escapeXml, niceStep, renderPlot } from './svg-plot.js';

const GOLDEN = fileURLToPath(new URL('./golden/', import.meta.url));
const result = syntheticRun();
const svg = renderPlot(phaseSeries(result, result.phases[0]!), 'synthetic: failover <test> & "quotes"');

describe('renderPlot', () => {
  it('writes the same bytes for the same series', async () => {
    await expectGolden(join(GOLDEN, 'failover.svg'), svg);
  });

  it('is well-formed SVG with both curves and the marks', async () => {
    const script = 'import sys, xml.dom.minidom as m\nd = m.parseString(sys.stdin.read())\nprint(d.documentElement.tagName, len(d.getElementsByTagName("polyline")), len([l for l in d.getElementsByTagName("line") if l.getAttribute("stroke-dasharray")]))';
    const parsed = await run('python3', ['-c', script], { input: svg, check: true });
    expect(parsed.stdout.trim()).toBe('svg 2 3');
    expect(svg).toContain('synthetic: failover &lt;test&gt; &amp; &quot;quotes&quot;');
  });

  it('clips a burst far above the median rate and names its peak', () => {
    const series = phaseSeries(result, result.phases[0]!);
    const burst = { ...series, points: series.points.map((p, i) => (i === 50 ? { ...p, echoesPerSecond: 5000 } : p)) };
    expect(renderPlot(burst, 't')).toContain('peak 5000/s (clipped)');
    expect(svg).not.toContain('clipped');
  });
});

describe('helpers', () => {
  it('picks round tick steps', () => {
    expect([niceStep(10, 5), niceStep(80, 5), niceStep(602, 5), niceStep(8.6, 10), niceStep(0)]).toEqual([2, 20, 200, 1, 1]);
  });

  it('escapes XML text', () => {
    expect(escapeXml('a<b>&"c"')).toBe('a&lt;b&gt;&amp;&quot;c&quot;');
  });
});
