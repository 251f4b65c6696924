/**
 * Imported first by bench/run.ts, before any AWS SDK module: the bench runs on Node 20 on purpose (as the
 * tests do), and the SDK's once-per-process notice that its 2027 releases need Node 22 is noise here.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
