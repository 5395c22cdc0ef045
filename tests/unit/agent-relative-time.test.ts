import { describe, expect, it } from "vitest";
import { formatRelativeTime } from "@/components/dashboard/relative-time";

const now = new Date("2025-03-10T12:00:00.000Z");
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

describe("an agent card's last activity", () => {
  it("says just now for the last few seconds, and for a server clock slightly ahead", () => {
    expect(formatRelativeTime(ago(10), now)).toBe("just now");
    expect(formatRelativeTime(ago(-20), now)).toBe("just now");
  });

  it("counts minutes, hours and days in words", () => {
    expect(formatRelativeTime(ago(50), now)).toBe("1 minute ago");
    expect(formatRelativeTime(ago(5 * 60), now)).toBe("5 minutes ago");
    expect(formatRelativeTime(ago(3 * 3600), now)).toBe("3 hours ago");
    expect(formatRelativeTime(ago(26 * 3600), now)).toBe("yesterday");
    expect(formatRelativeTime(ago(15 * 86400), now)).toBe("2 weeks ago");
    expect(formatRelativeTime(ago(400 * 86400), now)).toBe("last year");
  });

  it("does not break on a malformed time", () => {
    expect(formatRelativeTime("not a date", now)).toBe("at an unknown time");
  });
});
