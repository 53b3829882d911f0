// A timer's ISO 8601 expression in words, for the properties panel: "every Monday 09:00",
// "2 days after the task is created". `t(template, values)` is the panel's translate service
// (English templates, the page's language out), so every phrase below is a translatable label.
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;
const UNITS = [
  ["{n} year", "{n} years"],
  ["{n} month", "{n} months"],
  ["{n} week", "{n} weeks"],
  ["{n} day", "{n} days"],
  ["{n} hour", "{n} hours"],
  ["{n} minute", "{n} minutes"],
  ["{n} second", "{n} seconds"],
];
const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];

function parseDuration(text) {
  const match = DURATION.exec(text || "");
  if (!match || text.toUpperCase() === "P" || /T$/i.test(text)) return null;
  return match.slice(1).map((v) => (v ? Number(v) : 0));
}

export function durationWords(text, t) {
  const parts = parseDuration(text);
  if (!parts) return null;
  const words = [];
  parts.forEach((n, i) => {
    if (n) words.push(t(n === 1 ? UNITS[i][0] : UNITS[i][1], { n: String(n) }));
  });
  return words.length ? words.join(" ") : null;
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function parseDate(text) {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?/.exec(text || "");
  if (!match) return null;
  const [, y, mo, d, h, mi] = match;
  const date = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
  if (Number.isNaN(date.getTime())) return null;
  return { day: `${y}-${mo}-${d}`, time: h ? `${pad(h)}:${pad(mi)}` : "", weekday: WEEKDAYS[date.getUTCDay()] };
}

function afterWhat(kind, t) {
  if (kind === "boundary-task") return t("after the task is created");
  if (kind === "boundary") return t("after the step starts");
  if (kind === "start") return t("after the process is activated");
  return t("after the process reaches this point");
}

// kind: "duration" | "cycle" | "date"; where: "boundary-task" | "boundary" | "start" | "intermediate"
export function timerWords(kind, text, where, t) {
  const value = (text || "").trim();
  if (!value) return t("No time set yet.");
  if (/^[$#]\{/.test(value)) return t("Computed from the process data: {expression}", { expression: value });
  if (kind === "duration") {
    const words = durationWords(value, t);
    if (!words) return t("Not an ISO 8601 duration (e.g. P2D, PT4H).");
    return t("{duration} {after}", { duration: words, after: afterWhat(where, t) });
  }
  if (kind === "date") {
    const date = parseDate(value);
    if (!date) return t("Not an ISO 8601 date (e.g. 2026-12-24T09:00).");
    return t("Once, on {day} {time}", { day: date.day, time: date.time });
  }
  const cycle = /^R(\d*)\/(?:([^/]+)\/)?([^/]+)$/i.exec(value);
  if (!cycle) return t("Not an ISO 8601 cycle (e.g. R/2026-12-07T09:00/P1W).");
  const [, times, startText, period] = cycle;
  const every = durationWords(period, t);
  const start = startText ? parseDate(startText) : null;
  if (!every || (startText && !start)) return t("Not an ISO 8601 cycle (e.g. R/2026-12-07T09:00/P1W).");
  const parts = parseDuration(period);
  const weekly =
    parts.every((n, i) => (i === 2 ? n === 1 : n === 0)) || parts.every((n, i) => (i === 3 ? n === 7 : n === 0));
  const daily = parts.every((n, i) => (i === 3 ? n === 1 : n === 0));
  let words;
  if (start && weekly && start.time) words = t("every {weekday} {time}", { weekday: t(start.weekday), time: start.time });
  else if (start && daily && start.time) words = t("every day at {time}", { time: start.time });
  else if (start) words = t("every {duration} from {day} {time}", { duration: every, day: start.day, time: start.time });
  else words = t("every {duration}", { duration: every });
  if (times) words = t("{words}, {n} times", { words, n: times });
  return words;
}
