/**
 * Outside the Functions host, @azure/functions warns once per registration that it is in "test
 * mode". In the embedded runtime that is the design, not news: drop those lines. Import this first.
 */
const warn = console.warn.bind(console);
console.warn = (...args: unknown[]) => {
  if (!/package (is in|to) test mode/.test(String(args[0]))) warn(...args);
};
