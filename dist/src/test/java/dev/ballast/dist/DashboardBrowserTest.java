package dev.ballast.dist;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Service;
import dev.ballast.config.ControllerConfig;
import dev.ballast.config.HostPort;
import dev.ballast.controller.Controller;
import dev.ballast.controller.swarm.DockerClients;
import dev.ballast.dist.demo.Demo;
import dev.ballast.dist.demo.TutorialStack;
import dev.ballast.dist.demo.WhoamiService;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser (Debian's headless Chromium through its chromedriver), against the demo run in this
 * JVM on ports of its own: the tutorial's route with its path and the replicas, an endpoint count following
 * {@code scale} within 2 s, a bad label's message, and a controller that requires its token (the login form). The
 * overview with the bad label's route is saved as {@code target/dashboard.png} (the README's {@code docs/dashboard.png}
 * is a copy).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String TOKEN = "dashboard-browser-token";

    static Demo demo;
    static DockerClient docker;
    static ChromeDriver browser;
    static String dashboard;

    @BeforeAll
    static void start() throws Exception {
        assertThat(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
                .as("Debian's chromium and chromium-driver are installed (.ci/run installs them)").isTrue();
        demo = Demo.start(new Demo.Addresses("127.0.0.1", 12375, 18080, 18000, 18100), true);
        docker = DockerClients.connect(demo.addresses().engineUrl(), Duration.ofSeconds(10));
        dashboard = demo.addresses().controllerUrl() + "/";
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1000");
        browser = new ChromeDriver(new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build(), options);
    }

    @AfterAll
    static void stop() throws Exception {
        if (browser != null) {
            browser.quit();
        }
        if (docker != null) {
            docker.close();
        }
        if (demo != null) {
            demo.close();
        }
    }

    private static WebDriverWait within(Duration duration) {
        WebDriverWait wait = new WebDriverWait(browser, duration);
        wait.pollingEvery(Duration.ofMillis(50));
        return wait;
    }

    private static WebElement routeRow(String name) {
        return within(Duration.ofSeconds(10)).until(b -> b.findElements(
                By.cssSelector("#routes tr[data-route='" + name + "']")).stream().findFirst().orElse(null));
    }

    private static String endpointCount(String route) {
        return routeRow(route).findElement(By.className("endpoint-count")).getText().trim();
    }

    @Test
    @Order(1)
    void theDemosRouteAppearsWithItsPathAndTheReplicas() throws Exception {
        browser.get(dashboard);
        WebElement row = routeRow(TutorialStack.SERVICE);
        assertThat(row.getText()).contains(TutorialStack.PATH).contains("Accepted");
        within(Duration.ofSeconds(10)).until(b -> endpointCount(TutorialStack.SERVICE).equals("3"));
        for (String replica : List.of("proxy_proxy.1", "proxy_proxy.2")) {
            WebElement replicaRow = within(Duration.ofSeconds(10)).until(b -> b.findElements(
                    By.cssSelector("#replicas tr[data-replica='" + replica + "']")).stream().findFirst().orElse(null));
            within(Duration.ofSeconds(10)).until(b -> replicaRow.getText().contains("Ready"));
        }
        assertThat(browser.findElements(By.id("login"))).allMatch(form -> !form.isDisplayed());
    }

    @Test
    @Order(2)
    void scalingTheServiceUpdatesItsEndpointCountWithinTwoSeconds() throws Exception {
        browser.get(dashboard);
        within(Duration.ofSeconds(10)).until(b -> endpointCount(TutorialStack.SERVICE).equals("3"));
        Service service = docker.inspectServiceCmd(TutorialStack.SERVICE).exec();
        docker.updateServiceCmd(service.getId(), service.getSpec().withMode(WhoamiService.replicated(5)))
                .withVersion(service.getVersion().getIndex()).exec();
        long scaled = System.nanoTime();
        within(Duration.ofSeconds(2)).until(b -> endpointCount(TutorialStack.SERVICE).equals("5"));
        System.out.printf("DashboardBrowserTest: 5 endpoints shown %d ms after the scale%n",
                (System.nanoTime() - scaled) / 1_000_000);
        // a request through the first replica: it reports the endpoints it sent to with its next pull, and the
        // detail view shows its figures
        HttpResponse<Void> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(demo.addresses().trafficUrl(0) + TutorialStack.PATH)).build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(answer.statusCode()).isEqualTo(200);
        browser.get(dashboard + "#/route/" + TutorialStack.SERVICE);
        within(Duration.ofSeconds(10)).until(b -> b.findElement(By.id("route-title")).getText()
                .contains(TutorialStack.SERVICE));
        within(Duration.ofSeconds(10)).until(b -> b.findElement(By.id("route-endpoints")).getText()
                .contains("proxy_proxy.1"));
        assertThat(browser.findElement(By.id("route-resource")).getText()).contains("\"service\"");
    }

    @Test
    @Order(3)
    void aBadLabelShowsItsMessage() throws Exception {
        docker.createServiceCmd(WhoamiService.spec("badport", 1, Demo.NETWORK, Map.of("com.df.notify", "true",
                "com.df.servicePath", "/bad", "com.df.port", "eighty"))).exec();
        browser.get(dashboard);
        WebElement condition = within(Duration.ofSeconds(10)).until(b -> routeRow("badport")
                .findElement(By.className("condition")));
        assertThat(condition.getText()).contains("com.df.port");
        within(Duration.ofSeconds(10)).until(b -> endpointCount(TutorialStack.SERVICE).equals("5"));
        Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
        Files.copy(shot, Path.of("target", "dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    @Order(4)
    void withATokenRequiredTheLoginFormTakesItAndKeepsItOutOfTheUrl() throws Exception {
        Path tokenFile = Files.createTempFile("dashboard-token", "");
        Files.writeString(tokenFile, TOKEN + "\n");
        ControllerConfig guarded = new ControllerConfig(demo.addresses().engineUrl(), new HostPort("127.0.0.1", 0),
                Optional.empty(), Optional.empty(), "com.df.notify", ",", false, Duration.ofSeconds(5),
                Duration.ofMillis(300), Duration.ofMillis(20), Duration.ofSeconds(2), Duration.ofSeconds(2),
                Duration.ofMinutes(1), 16, "docker-flow", Optional.of(tokenFile), Optional.empty(), Optional.empty());
        try (Controller controller = Controller.start(guarded, Clock.systemUTC())) {
            String page = "http://127.0.0.1:" + controller.address().getPort() + "/";
            browser.get(page);
            WebElement form = within(Duration.ofSeconds(10)).until(b -> b.findElement(By.id("login")));
            within(Duration.ofSeconds(5)).until(b -> form.isDisplayed());
            assertThat(browser.findElements(By.cssSelector("#routes tr[data-route]"))).isEmpty();

            browser.findElement(By.id("token")).sendKeys("not-the-token");
            form.submit();
            within(Duration.ofSeconds(5)).until(b -> !b.findElement(By.id("login-error")).getText().isBlank());

            WebElement token = browser.findElement(By.id("token"));
            token.clear();
            token.sendKeys(TOKEN);
            browser.findElement(By.id("login")).submit();
            routeRow(TutorialStack.SERVICE);
            assertThat(browser.getCurrentUrl()).doesNotContain(TOKEN);
            browser.navigate().refresh(); // the session keeps the token
            routeRow(TutorialStack.SERVICE);
            browser.findElement(By.id("logout")).click();
            within(Duration.ofSeconds(5)).until(b -> b.findElement(By.id("login")).isDisplayed());
        } finally {
            Files.deleteIfExists(tokenFile);
        }
    }
}
