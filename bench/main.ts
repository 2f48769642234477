// Runs every benchmark section and prints its table. Add a section: one entry in SECTIONS.
//   npm run bench            (all sections)
//   node dist/bench/main.js vm   (only sections whose name contains "vm")
import { formatTable, type Row } from "./table.js";
import { benchVm } from "./vm.js";

interface Section {
  name: string;
  run: () => Row[] | Promise<Row[]>;
}

const SECTIONS: Section[] = [{ name: "vm: throughput of both engines", run: () => benchVm() }];

async function main(filters: string[]): Promise<void> {
  const chosen = SECTIONS.filter(
    (s) => filters.length === 0 || filters.some((f) => s.name.includes(f)),
  );
  for (const section of chosen) {
    const rows = await section.run();
    console.log(formatTable(section.name, rows) + "\n");
  }
}

await main(process.argv.slice(2));
