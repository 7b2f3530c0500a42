// Progressive enhancement: the sign-in and sign-out forms post JSON and show a failure
// in place. Without JavaScript they post as plain forms; everything works without it.
"use strict";
for (const form of document.querySelectorAll("form[data-json]")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = Object.fromEntries(new FormData(form).entries());
    const status = form.querySelector("[role=status]");
    const response = await fetch(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    if (response.ok) {
      window.location.assign(form.dataset.next || "/ui/");
    } else if (status) {
      const answer = await response.json().catch(() => ({}));
      status.textContent = answer.error?.message || answer.error || "Sign-in failed";
    }
  });
}
