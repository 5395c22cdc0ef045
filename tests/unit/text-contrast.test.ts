import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

// The light theme's colours, as app/globals.css declares them ("--color-x: r g b;").
const css = readFileSync(path.resolve(__dirname, "../../app/globals.css"), "utf8");
const lightTheme = css.slice(css.indexOf(":root"), css.indexOf("\n.dark {"));

function colour(name: string): [number, number, number] {
  const match = new RegExp(`--color-${name}:\\s*(\\d+)\\s+(\\d+)\\s+(\\d+)`).exec(lightTheme);
  if (!match) throw new Error(`--color-${name} not found`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

// WCAG 2 relative luminance and contrast ratio.
function luminance([r, g, b]: [number, number, number]): number {
  const linear = (channel: number) => {
    const value = channel / 255;
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(a: [number, number, number], b: [number, number, number]): number {
  const [light, dark] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (light! + 0.05) / (dark! + 0.05);
}

describe("text colours of the light theme", () => {
  it.each(["warning", "danger", "success", "ink-muted"])("%s text is readable (4.5:1) on the page and on cards", (name) => {
    expect(contrast(colour(name), colour("surface"))).toBeGreaterThanOrEqual(4.5);
    expect(contrast(colour(name), colour("canvas"))).toBeGreaterThanOrEqual(4.5);
  });
});
