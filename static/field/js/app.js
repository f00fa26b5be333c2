// The field app's entry (field-app replaces this file with the screens): the shell's header, then the PIN lock,
// then the view.

import { ensureUnlocked, onLocked } from "./lock.js";
import { startShell } from "./shell.js";

function render() {
  const view = document.getElementById("view");
  const note = document.createElement("p");
  note.className = "text-body-secondary";
  note.id = "field-ready";
  note.textContent = gettext("Đã mở khoá. Các màn hình ghi việc đang được xây dựng.");
  view.replaceChildren(note);
}

async function main() {
  startShell();
  await ensureUnlocked();
  render();
}

onLocked(() => ensureUnlocked().then(render));
main();
