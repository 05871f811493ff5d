// The bridge between cases and mail (apps/ wire it in; neither domain imports the other).
export * from './case-mail.module';
export * from './mail-case-notifier';
export * from './case-reply-handler';
