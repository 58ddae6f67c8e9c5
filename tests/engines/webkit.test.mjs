// The engine scenarios (scenarios.mjs) in WebKitGTK's MiniBrowser, over WebDriver classic (webkit.mjs).
import * as webkit from "./webkit.mjs";
import { engineTests } from "./scenarios.mjs";

engineTests(webkit);
