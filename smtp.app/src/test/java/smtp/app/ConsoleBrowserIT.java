package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium): an
 * administrator logs in, switches the SMTP server off and on from the SMTP
 * page, stops and starts the smtp.server bundle from the Bundles page, and moves
 * a binding to another port in the Configuration form. Each step is checked over
 * SMTP; screenshots go to target/screenshots.
 */
public class ConsoleBrowserIT {

    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Paths.get(System.getProperty("app.target", "target"), "screenshots");

    @Rule
    public TemporaryFolder folder = new TemporaryFolder();

    private ExportedApp app;
    private ChromeDriver browser;
    private WebDriverWait wait;

    @Before
    public void start() throws Exception {
        assertTrue("Chromium is needed: apt-get install chromium chromium-driver", Files.isExecutable(CHROMIUM)
                && Files.isExecutable(CHROMEDRIVER));
        app = new ExportedApp(folder.newFolder("app").toPath(), "smtp.jar");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1400,1800", "--user-data-dir=" + folder.newFolder("chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().withLogFile(new File(folder.getRoot(), "chromedriver.log")).build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        Files.createDirectories(SCREENSHOTS);
    }

    @After
    public void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (app != null) {
            app.close();
        }
    }

    private String console(String page) {
        return "http://127.0.0.1:" + app.http + "/system/console/" + page;
    }

    private void screenshot(String name) throws Exception {
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), SCREENSHOTS.resolve(name + ".png"),
                StandardCopyOption.REPLACE_EXISTING);
    }

    private String serverState() {
        return browser.findElement(By.id("smtp-server-state")).getAttribute("data-state");
    }

    @Test
    public void anAdministratorControlsTheServerFromTheConsole() throws Exception {
        // log in: the console asks for HTTP Basic credentials; the browser keeps them for the site
        browser.get("http://admin:admin@127.0.0.1:" + app.http + "/system/console/smtp");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-endpoints")));
        assertEquals("enabled", serverState());
        WebElement endpoint = browser.findElement(By.cssSelector("#smtp-endpoints tr[data-port='" + app.smtp + "']"));
        assertEquals("LISTENING", endpoint.getAttribute("data-state"));
        assertEquals("smtp.server.binding~test", endpoint.getAttribute("data-binding"));
        ExportedApp.send(app.smtp, "before");
        assertEquals(1, app.awaitMessages("bob", 1));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("td[data-counter='Messages accepted']"), "1"));
        screenshot("smtp-page");

        // disable the server: the port closes, delivery goes on
        browser.findElement(By.id("smtp-server-toggle")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("smtp-server-state"), "data-state", "disabled"));
        assertTrue(browser.findElement(By.id("smtp-result")).getText().startsWith("SMTP server disabled"));
        app.awaitAccepting(app.smtp, false);
        app.shell("delivery:send app@example.org bob@example.org while-disabled 'sent through MailDelivery'");
        assertEquals("a message given to MailDelivery lands while the listener is off", 2, app.awaitMessages("bob", 2));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.attributeToBe(By.cssSelector("#smtp-endpoints tr[data-port='" + app.smtp + "']"),
                "data-state", "DISABLED"));
        screenshot("smtp-page-disabled");
        // the change is in the file the configuration came from: it survives a restart
        assertTrue(Files.readAllLines(app.home.resolve("conf/smtp.server.config")).contains("enabled=B\"false\""));

        // enable it again: mail flows
        browser.findElement(By.id("smtp-server-toggle")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("smtp-server-state"), "data-state", "enabled"));
        app.awaitAccepting(app.smtp, true);
        ExportedApp.send(app.smtp, "after");
        assertEquals(3, app.awaitMessages("bob", 3));

        // the Bundles page: stop and start smtp.server
        browser.get(console("bundles"));
        WebElement row = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]")));
        row.findElement(By.cssSelector("li[title='Stop']")).click();
        wait.until(ExpectedConditions.textToBe(By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]/td[5]"),
                "Resolved"));
        app.awaitAccepting(app.smtp, false);
        screenshot("bundles-smtp-server-stopped");
        app.shell("delivery:send app@example.org bob@example.org bundle-stopped 'the listener bundle is stopped'");
        assertEquals(4, app.awaitMessages("bob", 4));
        browser.get(console("smtp"));
        wait.until(ExpectedConditions.attributeToBe(By.id("smtp-server-state"), "data-state", "stopped"));
        browser.get(console("bundles"));
        row = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]")));
        row.findElement(By.cssSelector("li[title='Start']")).click();
        wait.until(ExpectedConditions.textToBe(By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]/td[5]"),
                "Active"));
        app.awaitAccepting(app.smtp, true);

        // the Configuration page: move the binding to another port
        int moved = ExportedApp.freePort();
        browser.get(console("configMgr/smtp.server.binding~test"));
        WebElement port = wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("port")));
        port.clear();
        port.sendKeys(String.valueOf(moved));
        screenshot("configuration-binding");
        browser.findElement(By.xpath("//button[text()='Save']")).click();
        app.awaitAccepting(moved, true);
        app.awaitAccepting(app.smtp, false);
        ExportedApp.send(moved, "moved");
        assertEquals(5, app.awaitMessages("bob", 5));
        browser.get(console("smtp"));
        WebElement movedRow = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#smtp-endpoints tr[data-port='" + moved + "']")));
        assertEquals("LISTENING", movedRow.getAttribute("data-state"));
        assertFalse(browser.findElements(By.cssSelector("#smtp-endpoints tr[data-port='" + app.smtp + "']")).size() > 0);
        screenshot("smtp-page-moved");
    }
}
