// Filters: show only the facts (and within them the questions) that match family, rule and document.
(function () {
  const form = document.getElementById("filters");
  const shown = document.getElementById("shown");
  function has(list, value) { return !value || (" " + (list || "") + " ").includes(" " + value + " "); }
  function apply() {
    const family = form.elements.family.value, rule = form.elements.rule.value, doc = form.elements.document.value;
    const proposed = form.elements.proposed ? form.elements.proposed.value : "";
    let facts = 0, questions = 0;
    for (const fact of document.querySelectorAll("article.fact")) {
      let visible = 0;
      for (const q of fact.querySelectorAll("section.question")) {
        const ok = (!family || q.dataset.family === family) && has(q.dataset.rules, rule);
        q.classList.toggle("hidden", !ok);
        visible += ok ? 1 : 0;
      }
      const factOk = has(fact.dataset.documents, doc) && (!proposed || fact.dataset.proposed === proposed)
        && (visible > 0 || (!family && !rule));
      fact.classList.toggle("hidden", !factOk);
      if (factOk) { facts += 1; questions += visible; }
    }
    shown.textContent = facts + " facts, " + questions + " questions";
    document.body.dataset.shownFacts = facts;
    document.body.dataset.shownQuestions = questions;
  }
  form.addEventListener("change", apply);
  apply();
})();
