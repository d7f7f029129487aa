() => {
  // Gradio runs this page script once on load: clicking a citation's copy button copies the
  // citation. One listener on the document, so it works for messages added later, and a fallback
  // for pages served over plain http on a LAN, where navigator.clipboard is unavailable.
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed'; area.style.opacity = '0';
    document.body.appendChild(area); area.select();
    let ok = false; try { ok = document.execCommand('copy'); } catch (e) {}
    area.remove(); return ok;
  };
  document.addEventListener('click', async (event) => {
    const button = event.composedPath().find((el) => el.classList && el.classList.contains('qa-copy'));
    if (!button) return;
    event.preventDefault(); event.stopPropagation();
    const row = button.closest('.qa-cite');
    const code = row && row.querySelector('code');
    const text = code ? code.textContent : '';
    const ok = await copy(text);
    const label = button.textContent;
    button.textContent = ok ? '✓' : '✗';
    button.dataset.copied = ok ? 'yes' : 'no';
    setTimeout(() => { button.textContent = label; }, 1500);
  }, true);
}
