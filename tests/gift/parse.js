// Parse GIFT with gift-pegjs and print the parsed tree as JSON (a test helper of studykit).
// Reads one GIFT text on stdin; with --batch, a JSON array of GIFT texts, and prints one result
// per text. A result is {"ok": true, "questions": [...]} or {"ok": false, "error": {...}} with
// the parser's message and location (line, column).
"use strict";
const { parse } = require("gift-pegjs");

function parseOne(text) {
  try {
    return { ok: true, questions: parse(text) };
  } catch (error) {
    return { ok: false, error: { message: String(error.message), location: error.location || null } };
  }
}

const chunks = [];
process.stdin.on("data", (chunk) => chunks.push(chunk));
process.stdin.on("end", () => {
  const input = Buffer.concat(chunks).toString("utf8");
  const batch = process.argv.includes("--batch");
  const result = batch ? JSON.parse(input).map(parseOne) : parseOne(input);
  process.stdout.write(JSON.stringify(result));
});
