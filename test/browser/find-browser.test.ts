/** Where the browser tests get their Chromium (test/helpers/browser.ts). */
import { findBrowser, launchBrowser, NO_BROWSER_MESSAGE } from '../helpers/browser';

const savedChromePath = process.env.CHROME_PATH;
afterEach(() => {
  if (savedChromePath === undefined) delete process.env.CHROME_PATH;
  else process.env.CHROME_PATH = savedChromePath;
});

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';

(linuxX64 ? test : test.skip)(
  'on Linux x64 without CHROME_PATH the declared npm package supplies the browser, with its own libraries',
  async () => {
    delete process.env.CHROME_PATH;
    const found = await findBrowser();
    expect(found.source).toBe('@sparticuz/chromium');
    expect(found.env.LD_LIBRARY_PATH).toMatch(/aamcare-chromium-libs\/lib/);
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="x">नमस्ते</p>');
      expect(await page.textContent('#x')).toBe('नमस्ते');
    } finally {
      await browser.close();
    }
  },
  60_000,
);

test('a CHROME_PATH that does not exist fails with one line that says how to get a browser', async () => {
  process.env.CHROME_PATH = '/nowhere/chrome';
  await expect(findBrowser()).rejects.toThrow(`CHROME_PATH=/nowhere/chrome does not exist. ${NO_BROWSER_MESSAGE}`);
  expect(NO_BROWSER_MESSAGE).not.toContain('\n');
});
