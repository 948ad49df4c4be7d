package smtp.app;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertThrows;
import static org.junit.Assert.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

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
 * page, watches the charts of the last hour draw the mail sent during the test,
 * opens a deferred message in the queue browser, tries it again and removes it,
 * stops and starts the smtp.server bundle from the Bundles page, and moves a
 * binding to another port in the Configuration form. Each step is checked over
 * SMTP; screenshots go to target/failsafe-reports/screenshots, with the test reports.
 */
public class ConsoleBrowserIT {

    private static final Path CHROMIUM = Paths.get("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Paths.get("/usr/bin/chromedriver");
    private static final Path SCREENSHOTS = Paths.get(System.getProperty("app.target", "target"), "failsafe-reports",
            "screenshots");

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

    /** Reloads the SMTP page (30 s at most) until it says the server is in that state. */
    private void awaitServerState(String state) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(300)).until(driver -> {
            if (driver.findElements(By.cssSelector("#smtp-server-state[data-state='" + state + "']")).size() == 1) {
                return true;
            }
            driver.get(console("smtp"));
            return false;
        });
    }

    private void login(String page) {
        // the console asks for HTTP Basic credentials; the browser keeps them for the site
        browser.get("http://admin:admin@127.0.0.1:" + app.http + "/system/console/" + page);
    }

    private WebElement endpointRow(int port) {
        return browser.findElement(By.cssSelector("#smtp-endpoints tr[data-port='" + port + "']"));
    }

    /** Reloads the SMTP page (30 s at most) until the endpoint on that port is in that state, and returns its row. */
    private WebElement awaitRow(int port, String state) {
        By row = By.cssSelector("#smtp-endpoints tr[data-port='" + port + "'][data-state='" + state + "']");
        return new WebDriverWait(browser, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(300)).until(driver -> {
            driver.get(console("smtp"));
            return driver.findElements(row).stream().findFirst().orElse(null);
        });
    }

    /**
     * Waits (30 s at most: the health checks cache their results for a moment) for the health endpoint to answer
     * with that status code and overall result, and returns its body.
     */
    private String awaitHealth(String query, int code, String overall) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String[] answer;
        do {
            answer = app.get("/system/health.json?" + query);
            if (answer[0].equals(String.valueOf(code)) && answer[1].contains("\"overallResult\":\"" + overall + "\"")) {
                return answer[1];
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("the health endpoint answered " + answer[0] + ", not " + code + " and " + overall + ": "
                + answer[1]);
    }

    /** Posts a form to the SMTP page with the administrator's credentials; returns the status code. */
    private int post(String form, String origin) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(console("smtp")))
                .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString("admin:admin".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form));
        if (origin != null) {
            request.header("Origin", origin); // (HttpURLConnection would drop it silently)
        }
        return java.net.http.HttpClient.newHttpClient().send(request.build(),
                java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private void awaitLog(String text) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!app.log().contains(text)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the app never logged '" + text + "': " + app.log());
            }
            Thread.sleep(100);
        }
    }

    @Test
    public void theSmtpPageSwitchesTheServerOffAndOnWhileDeliveryGoesOn() throws Exception {
        login("smtp");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-endpoints")));
        assertEquals("enabled", serverState());
        assertEquals("LISTENING", endpointRow(app.smtp).getAttribute("data-state"));
        assertEquals("smtp.server.binding~test", endpointRow(app.smtp).getAttribute("data-binding"));
        app.send(app.smtp, "before");
        assertEquals(1, app.awaitMessages("bob", 1));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.cssSelector("td[data-counter='Messages accepted']"), "1"));
        assertTrue(browser.findElement(By.id("smtp-events")).getText().contains("MessageReceived"));
        assertTrue(browser.findElement(By.id("smtp-deliveries")).getText().contains("delivery/Delivered"));

        // a rate limit configured by a file in conf/: its verdicts are counted on the page, and it goes with the file
        Path limit = app.home.resolve("conf/smtp.policy.ratelimit-test.config");
        Files.writeString(limit, "name=\"per-client\"\nkey=\"client\"\nmax=I\"1\"\nperiod=I\"3600\"\n");
        awaitLog("Policy plugin ratelimit:per-client in use");
        app.send(app.smtp, "within the limit");
        assertEquals(2, app.awaitMessages("bob", 2));
        AssertionError refused = assertThrows(AssertionError.class, () -> app.send(app.smtp, "over the limit"));
        assertTrue(refused.getMessage(), refused.getMessage().contains(
                "451 4.7.0 Too many messages for client 127.0.0.1 (limit per-client), try again later"));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.textToBe(By.cssSelector(
                "td[data-policy='ratelimit:per-client'][data-action='DEFER']"), "1"));
        assertEquals("1", browser.findElement(By.cssSelector(
                "td[data-policy='ratelimit:per-client'][data-action='CONTINUE']")).getText());
        screenshot("smtp-page");
        Files.delete(limit);
        awaitLog("Policy plugin rate limit per-client removed");
        String healthy = awaitHealth("tags=smtp", 200, "OK");
        assertTrue(healthy, healthy.contains("\"name\":\"SMTP binding 127.0.0.1 port " + app.smtp + " starttls\""));

        // a form posted from another site, or without the page's token, changes nothing
        String token = browser.findElement(By.name("token")).getAttribute("value");
        assertEquals(403, post("action=disable-server&token=" + token, "http://attacker.example"));
        assertEquals(403, post("action=disable-server&token=forged", null));
        assertTrue(ExportedApp.accepts(app.smtp));

        // disable the server: the port closes, delivery goes on
        browser.findElement(By.id("smtp-server-toggle")).click();
        assertTrue(wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-result"))).getText()
                .startsWith("SMTP server disabled"));
        awaitServerState("disabled");
        app.awaitAccepting(app.smtp, false);
        app.shell("delivery:send app@example.org bob@example.org while-disabled 'sent through MailDelivery'");
        assertEquals("a message given to MailDelivery lands while the listener is off", 3, app.awaitMessages("bob", 3));
        awaitRow(app.smtp, "DISABLED");
        screenshot("smtp-page-disabled");
        // the change is in the file the configuration came from: it survives a restart
        assertTrue(Files.readAllLines(app.home.resolve("conf/smtp.server.config")).contains("enabled=B\"false\""));
        awaitHealth("tags=smtp.listener", 200, "WARN");

        // it stays off across a restart of the application
        app.restart();
        login("smtp"); // again after the restart: the console adds plugins as their bundles start
        awaitServerState("disabled");
        assertFalse(ExportedApp.accepts(app.smtp));
        app.shell("smtp:status");
        awaitLog("SMTP server: disabled");

        // enable it again: mail flows
        browser.findElement(By.id("smtp-server-toggle")).click();
        awaitServerState("enabled");
        app.awaitAccepting(app.smtp, true);
        app.send(app.smtp, "after");
        assertEquals(4, app.awaitMessages("bob", 4));
        assertTrue(Files.readAllLines(app.home.resolve("conf/smtp.server.config")).contains("enabled=B\"true\""));

        // one binding alone, from its row
        awaitRow(app.smtp, "LISTENING").findElement(By.cssSelector("button[value='disable-binding']")).click();
        app.awaitAccepting(app.smtp, false);
        awaitRow(app.smtp, "DISABLED").findElement(By.cssSelector("button[value='enable-binding']")).click();
        app.awaitAccepting(app.smtp, true);
        awaitRow(app.smtp, "LISTENING");
        assertTrue(Files.readAllLines(app.home.resolve("conf/smtp.server.binding-test.config")).contains("enabled=B\"true\""));
    }

    private long chartTotal(String chart) {
        return Long.parseLong(browser.findElement(By.id("smtp-chart-" + chart)).getAttribute("data-total"));
    }

    /** Reloads the SMTP page (30 s at most) until the element's attribute has that value. */
    private void awaitAttribute(By element, String attribute, String value) {
        new WebDriverWait(browser, Duration.ofSeconds(30)).pollingEvery(Duration.ofMillis(300)).until(driver -> {
            if (driver.findElements(element).stream().anyMatch(found -> value.equals(found.getAttribute(attribute)))) {
                return true;
            }
            driver.navigate().refresh();
            return false;
        });
    }

    @Test
    public void theChartsDrawRealTrafficAndTheQueueBrowserRetriesAndRemovesADeferredMessage() throws Exception {
        // mail for other domains goes to a smarthost that refuses connections: it is deferred
        int closed = ExportedApp.freePort();
        Files.writeString(app.home.resolve("conf/smtp.delivery.config"), "localDomains=[\"example.org\"]\n"
                + "mailboxes=[\"bob@example.org\"]\nsmarthost=\"127.0.0.1:" + closed + "\"\n");
        awaitLog("other domains via smarthost 127.0.0.1:" + closed);

        login("smtp");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-charts")));
        long acceptedBefore = chartTotal("accepted");
        for (int i = 1; i <= 3; i++) {
            app.send(app.smtp, "charted " + i);
        }
        assertEquals(3, app.awaitMessages("bob", 3));
        awaitAttribute(By.id("smtp-chart-accepted"), "data-total", String.valueOf(acceptedBefore + 3));
        List<WebElement> bars = browser.findElements(By.cssSelector("#smtp-chart-accepted rect.bar"));
        assertEquals("a bar a minute for the last hour", 60, bars.size());
        long drawn = 0;
        for (WebElement bar : bars) {
            long value = Long.parseLong(bar.getAttribute("data-value"));
            drawn += value;
            assertEquals("a bar is as high as its value is above zero", value > 0, Double.parseDouble(bar.getAttribute("height")) > 0);
        }
        assertEquals("the bars add up to the caption's total", acceptedBefore + 3, drawn);
        assertTrue("the chart is drawn: " + browser.findElement(By.id("smtp-chart-accepted")).getRect(),
                browser.findElement(By.cssSelector("#smtp-chart-accepted svg")).getSize().getHeight() > 50);

        // a message for another domain: deferred, in the queue browser with its headers and its error
        app.shell("delivery:send app@example.org carol@remote.example browsed 'waits for the smarthost'");
        awaitAttribute(By.id("smtp-queue"), "data-deferred", "1");
        awaitAttribute(By.id("smtp-chart-deferred"), "data-total", "1");
        screenshot("smtp-page-charts");
        WebElement row = browser.findElement(By.cssSelector("#smtp-queue-table tr[data-queue-id]"));
        String queueId = row.getAttribute("data-queue-id");
        assertTrue(row.getText(), row.getText().contains("carol@remote.example"));
        row.findElement(By.linkText(queueId)).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-message-envelope")));
        assertEquals(queueId, browser.findElement(By.id("smtp-message-envelope")).getAttribute("data-queue-id"));
        String headers = browser.findElement(By.id("smtp-message-headers")).getText();
        assertTrue(headers, headers.contains("Subject: browsed") && headers.contains("To: <carol@remote.example>"));
        assertEquals("1", browser.findElement(By.id("smtp-message-attempts")).getText());
        String error = browser.findElement(By.id("smtp-message-error")).getText();
        assertTrue(error, error.contains("127.0.0.1") && error.contains(String.valueOf(closed)) || error.contains("refused"));
        screenshot("smtp-page-queued-message");

        // try it again now: a second attempt, at once
        browser.findElement(By.id("smtp-message-retry")).click();
        wait.until(ExpectedConditions.textToBe(By.id("smtp-result"), "Message " + queueId + ": trying again now"));
        awaitAttribute(By.id("smtp-message-attempts"), "textContent", "2");

        // remove it: gone from the queue, without a bounce to the sender
        browser.findElement(By.id("smtp-message-remove")).click();
        // the page before the click has a result too (the retry's): wait for the new page's, found afresh each time
        wait.until(ExpectedConditions.textToBe(By.id("smtp-result"),
                "Message " + queueId + " removed from the queue, without a bounce"));
        awaitAttribute(By.id("smtp-queue"), "data-size", "0");
        browser.get(console("smtp") + "?message=" + queueId);
        assertEquals("gone", wait.until(ExpectedConditions.presenceOfElementLocated(By.id("smtp-message-state")))
                .getAttribute("data-state"));

        // a queue of more than a page: twenty messages a page, the oldest first, and a link to the older ones
        for (int i = 1; i <= 21; i++) {
            app.shell("delivery:send app@example.org carol@remote.example paged-" + i + " 'waits for the smarthost'");
        }
        awaitAttribute(By.id("smtp-queue"), "data-deferred", "21");
        assertEquals("2", browser.findElement(By.id("smtp-queue")).getAttribute("data-pages"));
        assertEquals(20, browser.findElements(By.cssSelector("#smtp-queue-table tr[data-queue-id]")).size());
        String first = browser.findElement(By.cssSelector("#smtp-queue-table tr[data-queue-id]")).getAttribute("data-queue-id");
        browser.findElement(By.id("smtp-queue-next")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("smtp-queue"), "data-page", "2"));
        List<WebElement> older = browser.findElements(By.cssSelector("#smtp-queue-table tr[data-queue-id]"));
        assertEquals(1, older.size());
        assertFalse(first.equals(older.get(0).getAttribute("data-queue-id")));
        screenshot("smtp-page-queue-page-2");
        browser.findElement(By.id("smtp-queue-previous")).click();
        wait.until(ExpectedConditions.attributeToBe(By.id("smtp-queue"), "data-page", "1"));
        // removing a message takes the page's token, like every other action
        String token = browser.findElement(By.name("token")).getAttribute("value");
        assertEquals(403, post("action=remove-message&queueId=" + first + "&token=forged", null));
        assertEquals(403, post("action=remove-message&queueId=" + first + "&token=" + token, "http://attacker.example"));
        browser.navigate().refresh();
        assertEquals("21", browser.findElement(By.id("smtp-queue")).getAttribute("data-size"));

        // the page reads without scripts: the charts and the queue are in the HTML the server sends
        java.net.http.HttpResponse<String> page = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(console("smtp"))).header("Authorization",
                        "Basic " + java.util.Base64.getEncoder().encodeToString("admin:admin".getBytes(
                                java.nio.charset.StandardCharsets.US_ASCII))).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        for (String chart : new String[] {"accepted", "refused", "deferred", "sessions", "queue"}) {
            assertTrue(chart + " drawn by the server", page.body().contains("id='smtp-chart-" + chart + "' data-total="));
        }
        String accepted = page.body().substring(page.body().indexOf("id='smtp-chart-accepted'"));
        accepted = accepted.substring(0, accepted.indexOf("</figure>"));
        long inHtml = java.util.regex.Pattern.compile("data-value='(\\d+)'").matcher(accepted).results()
                .mapToLong(match -> Long.parseLong(match.group(1))).sum();
        assertEquals("the bars in the HTML add up to the mail accepted", acceptedBefore + 3, inHtml);
        assertTrue(page.body().contains("id='smtp-queue' data-size='21'"));
    }

    @Test
    public void theStandardPagesManageTheListenerBundleAndItsConfiguration() throws Exception {
        // Bundles: stop and start smtp.server
        login("bundles");
        By listenerRow = By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]");
        By listenerState = By.xpath("//tr[.//span[@class='symName' and text()='smtp.server']]/td[5]");
        wait.until(ExpectedConditions.presenceOfElementLocated(listenerRow)).findElement(By.cssSelector("li[title='Stop']")).click();
        wait.until(ExpectedConditions.textToBe(listenerState, "Resolved"));
        app.awaitAccepting(app.smtp, false);
        screenshot("bundles-smtp-server-stopped");
        app.shell("delivery:send app@example.org bob@example.org bundle-stopped 'the listener bundle is stopped'");
        assertEquals(1, app.awaitMessages("bob", 1));
        String unhealthy = awaitHealth("tags=smtp.listener", 503, "CRITICAL");
        assertTrue(unhealthy, unhealthy.contains("the SMTP listener (bundle smtp.server) is not running"));
        awaitServerState("stopped");
        browser.get(console("bundles"));
        wait.until(ExpectedConditions.presenceOfElementLocated(listenerRow)).findElement(By.cssSelector("li[title='Start']")).click();
        wait.until(ExpectedConditions.textToBe(listenerState, "Active"));
        app.awaitAccepting(app.smtp, true);

        // Bundles: uninstall smtp.server, then install it again from its jar
        browser.findElement(listenerRow).findElement(By.cssSelector("li[title='Uninstall']")).click();
        wait.until(ExpectedConditions.numberOfElementsToBe(listenerRow, 0));
        app.awaitAccepting(app.smtp, false);
        app.shell("delivery:send app@example.org bob@example.org bundle-removed 'the listener bundle is gone'");
        assertEquals(2, app.awaitMessages("bob", 2));
        browser.navigate().refresh();
        wait.until(ExpectedConditions.elementToBeClickable(By.cssSelector("button.installButton"))).click();
        WebElement file = wait.until(ExpectedConditions.presenceOfElementLocated(By.name("bundlefile")));
        file.sendKeys(Paths.get(System.getProperty("listener.jar")).toRealPath().toString());
        browser.findElement(By.name("bundlestart")).click();
        WebElement startLevel = browser.findElement(By.id("bundlestartlevel"));
        startLevel.clear();
        startLevel.sendKeys("10");
        browser.findElement(By.xpath("//button[text()='Install or Update']")).click();
        app.awaitAccepting(app.smtp, true);
        browser.get(console("bundles"));
        wait.until(ExpectedConditions.textToBe(listenerState, "Active"));
        app.send(app.smtp, "reinstalled");
        assertEquals(3, app.awaitMessages("bob", 3));

        // Configuration: a Metatype form for every PID of the suite, factory configurations by readable names
        browser.get(console("configMgr"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.xpath("//td[text()='SMTP server']")));
        String configurations = browser.findElement(By.tagName("body")).getText();
        for (String name : new String[] {"SMTP server", "SMTP server binding", "SMTP Delivery service", "SMTP TLS profile",
            "SMTP AUTH users file", "SMTP scanner: ClamAV", "SMTP TLS self-signed default"}) {
            assertTrue("the Configuration page offers " + name + ": " + configurations, configurations.contains(name));
        }
        assertTrue(configurations, configurations.contains("127.0.0.1 port " + app.smtp + " starttls"));

        // Configuration: move the binding to another port in its form
        int moved = ExportedApp.freePort();
        browser.get(console("configMgr/smtp.server.binding~test"));
        WebElement port = wait.until(ExpectedConditions.visibilityOfElementLocated(By.name("port")));
        port.clear();
        port.sendKeys(String.valueOf(moved));
        screenshot("configuration-binding");
        browser.findElement(By.xpath("//button[text()='Save']")).click();
        app.awaitAccepting(moved, true);
        app.awaitAccepting(app.smtp, false);
        app.send(moved, "moved");
        assertEquals(4, app.awaitMessages("bob", 4));
        browser.get(console("smtp"));
        WebElement movedRow = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.cssSelector("#smtp-endpoints tr[data-port='" + moved + "']")));
        assertEquals("LISTENING", movedRow.getAttribute("data-state"));
        assertTrue(browser.findElements(By.cssSelector("#smtp-endpoints tr[data-port='" + app.smtp + "']")).isEmpty());
        screenshot("smtp-page-moved");

        // Components and Events
        browser.get(console("components"));
        WebElement listener = wait.until(ExpectedConditions.presenceOfElementLocated(
                By.xpath("//tr[.//a[text()='smtp.server.internal.listener.SmtpListener']]")));
        assertTrue(listener.getText(), listener.getText().contains("active"));
        browser.get(console("events"));
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "smtp/MessageReceived"));
        screenshot("events");
    }
}
