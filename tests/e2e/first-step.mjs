// The static first step (`www/first-step.en.html`) is the widget's own English first step with
// three differences a static copy needs: it is marked `data-kyc-shell`, its Continue is a
// disabled plain button (nothing to continue with until the widget arrives; Enter submits
// nothing), Exit and "Scan your ID" are disabled too, and it has no country names or announcement (the widget adds
// them: a person picks a nationality once it has arrived). These two
// functions go between the widget's markup and the static copy.

/** The widget's markup with what the static copy leaves out removed. */
export function normalise(html) {
  return html
    .replace(/<option value="[A-Z]{2}"( selected="selected")?>[^<]*<\/option>/g, "")
    .replace(/(<div role="status" aria-live="polite" aria-atomic="true" class="kyc-live">)[^<]*(<\/div>)/, "$1$2")
    .replace(' data-kyc-shell=""', "")
    // The widget is hidden until it takes over (a style it then clears).
    .replace(' style=""', "")
    .replace('<button type="button" disabled="" class="kyc-button kyc-button--primary">', '<button type="submit" class="kyc-button kyc-button--primary">')
    .replace('<button type="button" disabled="" class="kyc-link kyc-exit">', '<button type="button" class="kyc-link kyc-exit">')
    .replace('<button type="button" disabled="" class="kyc-button kyc-scan-button">', '<button type="button" class="kyc-button kyc-scan-button">');
}

/** The static copy of the widget's first-step markup. */
export function toShell(html) {
  const n = normalise(html);
  return n
    .replace('<div class="kyc-root">', '<div class="kyc-root" data-kyc-shell="">')
    .replace('<button type="submit" class="kyc-button kyc-button--primary">', '<button type="button" disabled="" class="kyc-button kyc-button--primary">')
    .replace('<button type="button" class="kyc-link kyc-exit">', '<button type="button" disabled="" class="kyc-link kyc-exit">')
    .replace('<button type="button" class="kyc-button kyc-scan-button">', '<button type="button" disabled="" class="kyc-button kyc-scan-button">');
}
