// The Licenz dashboard's one script. Pages work without it; it adds copy buttons and a question before destructive actions.
"use strict";

document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) {
        return;
    }

    const source = document.getElementById(button.dataset.copy) || document.querySelector(`[data-testid="${button.dataset.copy}"]`);
    if (source && navigator.clipboard) {
        navigator.clipboard.writeText(source.textContent.trim()).then(() => {
            button.textContent = "Copied";
        });
    }
});

// Forms that destroy something ask first; without this script they submit at once.
document.addEventListener("submit", (event) => {
    const message = event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
        event.preventDefault();
    }
});
