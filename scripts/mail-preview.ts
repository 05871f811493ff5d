/**
 * `npm run mail:preview [-- --out DIR]` renders every mail template with its sample model
 * (libs/mail/src/templates/samples.ts) to DIR/<template>.html and DIR/<template>.txt (default
 * mail-preview/, git-ignored), so a person can open them in a browser and an editor. Prints the
 * paths and subjects.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAIL_TEMPLATE_NAMES, type MailModel, type MailTemplateName } from '../libs/mail/src/templates/mail-templates';
import { SAMPLES, sampleContext } from '../libs/mail/src/templates/samples';
import { TemplateRenderer } from '../libs/mail/src/templates/template-renderer';

function main(): void {
  const args = process.argv.slice(2);
  const i = args.indexOf('--out');
  const out = resolve(i >= 0 && args[i + 1] ? args[i + 1] : 'mail-preview');
  mkdirSync(out, { recursive: true });
  const renderer = new TemplateRenderer();
  for (const name of MAIL_TEMPLATE_NAMES) {
    const model = SAMPLES[name] as MailModel<MailTemplateName>;
    const mail = renderer.render(name, model, sampleContext(model));
    const html = resolve(out, `${name}.html`);
    const text = resolve(out, `${name}.txt`);
    writeFileSync(html, mail.html);
    writeFileSync(text, `Subject: ${mail.subject}\n\n${mail.text}`);
    console.log(`${html}\n${text}\n  ${mail.subject}`);
  }
}

main();
